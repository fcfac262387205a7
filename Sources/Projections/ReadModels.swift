import EventLog
import Foundation
import SQLiteKit

/// The read-model file of a ledger (`<ledger>/readmodels.sqlite`): migrated and caught up on open, so every
/// read sees every event the log holds.
public final class ReadModels {
    public let path: String
    public let db: SQLiteConnection
    public let projector: Projector

    /// Opens (creating and migrating when needed) the read models at `path` and applies new events.
    public init(path: String, log: EventLog) throws {
        self.path = path
        db = try SQLiteConnection(path: path)
        try db.execute(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = \(ReadModels.cachePages)")
        let applied = try ReadModelSchema.migrator().migrate(db)
        projector = try Projector(db)
        if !applied.isEmpty, try projector.position() > 0 {
            // A migration reshaped a file that already holds projected events, which never reached the new
            // tables or columns. Read models are disposable: empty them (one transaction, checkpoint included)
            // and replay the log.
            try ReadModels.clear(db)
        }
        try projector.catchUp(from: log)
    }

    /// Deletes every read-model row and the checkpoint, keeping the schema.
    static func clear(_ db: SQLiteConnection) throws {
        let tables = try db.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'"
        ).rows().compactMap { row -> String? in
            if case .text(let name)? = row.first { return name }
            return nil
        }
        try db.transaction {
            for table in tables { try db.execute("DELETE FROM \"\(table)\"") }
        }
    }

    /// Page cache: negative means KiB, so up to 1 GiB, allocated only as pages are used.
    static let cachePages = -1_048_576

    public static func path(ledgerRoot: String) -> String { ledgerRoot + "/readmodels.sqlite" }

    /// Replays the log from position 1 through `through` into a fresh file, then moves it to `output`
    /// (atomically replacing what was there). Returns the position reached.
    @discardableResult
    public static func rebuild(log: EventLog, through: UInt64 = .max, output: String) throws -> UInt64 {
        let staging = output + ".rebuild-\(ProcessInfo.processInfo.processIdentifier)"
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: staging + suffix) }
        do {
            let position: UInt64 = try {
                let db = try SQLiteConnection(path: staging)
                // A staging file nobody else sees, renamed into place when complete: no journal is needed, and a
                // large page cache keeps the indexes' pages in memory instead of re-reading them per insert.
                try db.execute(
                    "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE; PRAGMA cache_size = \(cachePages)"
                )
                try ReadModelSchema.migrator().migrate(db)
                // Secondary indexes are built once at the end (a sort) rather than row by row; unique ones stay,
                // as upserts rely on them.
                let indexes = try db.prepare(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name"
                ).rows().compactMap { row -> (name: String, sql: String)? in
                    guard case .text(let name) = row[0], case .text(let sql) = row[1] else { return nil }
                    return (name, sql)
                }
                for index in indexes { try db.execute("DROP INDEX \"\(index.name)\"") }
                let projector = try Projector(db)
                projector.beginBulk()
                try projector.catchUp(from: log, through: through)
                projector.endBulk()
                for index in indexes { try db.execute(index.sql) }
                let position = try projector.position()
                try db.execute("PRAGMA synchronous = FULL; PRAGMA journal_mode = DELETE")
                return position
            }()
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: output + suffix) }
            if rename(staging, output) != 0 {
                throw SQLiteError(
                    code: 14, extendedCode: 14,
                    message: "cannot move \(staging) to \(output): \(String(cString: strerror(errno)))", sql: nil)
            }
            return position
        } catch {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                try? FileManager.default.removeItem(atPath: staging + suffix)
            }
            throw error
        }
    }
}

/// Which backtests `query backtests` returns.
public struct BacktestQuery: Sendable, Equatable {
    public struct Filter: Sendable, Equatable {
        public enum Comparison: String, Sendable, CaseIterable {
            case greaterOrEqual = ">=", lessOrEqual = "<=", notEqual = "!=", greater = ">", less = "<", equal = "="
        }
        public let metric: String
        public let comparison: Comparison
        public let value: Double

        /// Parses `metric>value` (`>`, `>=`, `<`, `<=`, `=`, `!=`).
        public init?(_ text: String) {
            for comparison in Comparison.allCases {
                if let range = text.range(of: comparison.rawValue) {
                    let name = text[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                    let number = text[range.upperBound...].trimmingCharacters(in: .whitespaces)
                    guard !name.isEmpty, let value = Double(number) else { return nil }
                    self.metric = name
                    self.comparison = comparison
                    self.value = value
                    return
                }
            }
            return nil
        }

        func accepts(_ value: Double?) -> Bool {
            guard let value else { return false }
            switch comparison {
            case .greater: return value > self.value
            case .greaterOrEqual: return value >= self.value
            case .less: return value < self.value
            case .lessOrEqual: return value <= self.value
            case .equal: return value == self.value
            case .notEqual: return value != self.value
            }
        }
    }

    public var lab: String?
    public var market: String?
    public var formula: String
    public var filters: [Filter]
    public var sort: String?
    public var ascending: Bool
    public var limit: Int?
    /// Read as of this log position (nil: current).
    public var asOf: UInt64?

    public init(
        lab: String? = nil, market: String? = nil, formula: String = "canonical@1", filters: [Filter] = [],
        sort: String? = nil, ascending: Bool = false, limit: Int? = nil, asOf: UInt64? = nil
    ) {
        self.lab = lab
        self.market = market
        self.formula = formula
        self.filters = filters
        self.sort = sort
        self.ascending = ascending
        self.limit = limit
        self.asOf = asOf
    }
}

/// One backtest with its metrics under one formula.
public struct BacktestRow: Sendable, Equatable {
    public let backtestID: String
    public let labID: String
    public let generation: Int64?
    public let population: Int64?
    public let market: String?
    /// Metric name → (number when finite, text as stored).
    public let metrics: [(name: String, number: Double?, text: String)]

    public static func == (lhs: BacktestRow, rhs: BacktestRow) -> Bool {
        lhs.backtestID == rhs.backtestID && lhs.labID == rhs.labID && lhs.generation == rhs.generation
            && lhs.population == rhs.population && lhs.market == rhs.market
            && lhs.metrics.map(\.text) == rhs.metrics.map(\.text) && lhs.metrics.map(\.name) == rhs.metrics.map(\.name)
    }

    public func metric(_ name: String) -> (number: Double?, text: String)? {
        metrics.first { $0.name == name }.map { ($0.number, $0.text) }
    }
}

extension ReadModels {
    /// Position `?1` of the as-of queries: a log position, or "every version so far" for nil.
    public static func asOfParameter(_ position: UInt64?) -> SQLiteValue {
        .integer(position.map { Int64(min($0, UInt64(Int64.max))) } ?? Int64.max)
    }

    /// `AND lab_id = ?n AND market = ?m` for the filters a query has, appending their values to `parameters`.
    static func labAndMarket(_ query: BacktestQuery, column prefix: String, parameters: inout [SQLiteValue]) -> String {
        var sql = ""
        for (column, value) in [("lab_id", query.lab), ("market", query.market)] {
            guard let value else { continue }
            parameters.append(.text(value))
            sql += " AND \(prefix)\(column) = ?\(parameters.count)"
        }
        return sql
    }

    /// The SQL condition of a row valid at position ?1.
    public static let validAt = "valid_from <= ?1 AND (valid_to IS NULL OR valid_to > ?1)"

    /// Backtests and their metrics as of a position, filtered, sorted (ties by backtest id) and limited.
    public func backtests(_ query: BacktestQuery) throws -> [BacktestRow] {
        if let fast = try topBacktests(query) { return fast }
        return try allBacktests(query)
    }

    /// Positions per bucket of `backtest_metrics_by_bucket_value` (the `>> 16` in migration 0006).
    static let bucketShift = 16

    /// The top-N fast path: `sort` + `limit` without `--where`. For each bucket of `valid_from` up to the
    /// position, walks `backtest_metrics_by_bucket_value` in value order, keeping rows valid at the position
    /// (and in the lab/market asked for) until it has N plus any ties; the best N of all buckets win, ties by
    /// backtest id. Only then are those backtests loaded. Returns nil when it cannot answer alone (fewer
    /// finite values than N), so the caller falls back.
    func topBacktests(_ query: BacktestQuery) throws -> [BacktestRow]? {
        guard let sort = query.sort, let limit = query.limit, query.filters.isEmpty else { return nil }
        let at = Self.asOfParameter(query.asOf)
        var parameters: [SQLiteValue] = [at, .text(query.formula), .text(sort), .null]
        let conditions = Self.labAndMarket(query, column: "b.", parameters: &parameters)
        let direction = query.ascending ? "ASC" : "DESC"
        let statement = try db.prepare(
            """
            SELECT m.backtest_id, m.value FROM backtest_metrics m INDEXED BY backtest_metrics_by_bucket_value
            WHERE m.formula = ?2 AND m.metric = ?3 AND (m.valid_from >> 16) = ?4 AND m.value IS NOT NULL
              AND m.valid_from <= ?1 AND (m.valid_to IS NULL OR m.valid_to > ?1)
              AND EXISTS (SELECT 1 FROM backtests b WHERE b.backtest_id = m.backtest_id
                          AND b.valid_from <= ?1 AND (b.valid_to IS NULL OR b.valid_to > ?1)\(conditions))
            ORDER BY m.value \(direction)
            """)
        let reached = try projector.position()
        let last = min(query.asOf ?? reached, reached) >> UInt64(Self.bucketShift)
        var candidates: [(id: String, value: Double)] = []
        for bucket in 0...last {
            parameters[3] = .integer(Int64(bucket))
            try statement.bind(parameters)
            defer { statement.reset() }
            var taken = 0
            var boundary: Double?
            while try statement.step() {
                guard let id = statement.string(0), let value = statement.double(1) else { continue }
                if taken >= limit, value != boundary { break }
                candidates.append((id, value))
                taken += 1
                boundary = value
            }
        }
        candidates.sort { left, right in
            if left.value != right.value {
                return query.ascending ? left.value < right.value : left.value > right.value
            }
            return left.id < right.id
        }
        let ids = candidates.prefix(limit).map(\.id)
        guard ids.count == limit else { return nil }
        // Two queries for all N backtests, not two per backtest.
        let placeholders = (0..<ids.count).map { "?\($0 + 3)" }.joined(separator: ", ")
        let idValues = ids.map(SQLiteValue.text)
        let backtestRows = try db.prepare(
            "SELECT backtest_id, lab_id, generation, population, market FROM backtests WHERE \(Self.validAt) AND backtest_id IN (\(placeholders))"
        ).rows([at, .null] + idValues)
        let metricRows = try db.prepare(
            """
            SELECT backtest_id, metric, value, value_text FROM backtest_metrics
            WHERE \(Self.validAt) AND formula = ?2 AND backtest_id IN (\(placeholders)) ORDER BY backtest_id, metric
            """
        ).rows([at, .text(query.formula)] + idValues)
        func text(_ value: SQLiteValue) -> String? { if case .text(let text) = value { text } else { nil } }
        func integer(_ value: SQLiteValue) -> Int64? { if case .integer(let number) = value { number } else { nil } }
        var metricsByID: [String: [(name: String, number: Double?, text: String)]] = [:]
        for row in metricRows {
            let number: Double? =
                if case .real(let number) = row[2] { number } else { integer(row[2]).map(Double.init) }
            metricsByID[text(row[0]) ?? "", default: []].append((text(row[1]) ?? "", number, text(row[3]) ?? ""))
        }
        let backtestsByID = Dictionary(
            backtestRows.map { (text($0[0]) ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        var rows: [BacktestRow] = []
        for id in ids {
            guard let row = backtestsByID[id] else { return nil }
            rows.append(
                BacktestRow(
                    backtestID: id, labID: text(row[1]) ?? "", generation: integer(row[2]),
                    population: integer(row[3]), market: text(row[4]), metrics: metricsByID[id] ?? []))
        }
        return rows
    }

    func allBacktests(_ query: BacktestQuery) throws -> [BacktestRow] {
        let at = Self.asOfParameter(query.asOf)
        var parameters: [SQLiteValue] = [at]
        var sql = "SELECT backtest_id, lab_id, generation, population, market FROM backtests WHERE \(Self.validAt)"
        sql += Self.labAndMarket(query, column: "", parameters: &parameters)
        sql += " ORDER BY backtest_id"
        var metricsByBacktest: [String: [(name: String, number: Double?, text: String)]] = [:]
        let metricRows = try db.prepare(
            "SELECT backtest_id, metric, value, value_text FROM backtest_metrics WHERE \(Self.validAt) AND formula = ?2 ORDER BY backtest_id, metric"
        )
        try metricRows.bind([at, .text(query.formula)])
        defer { metricRows.reset() }
        while try metricRows.step() {
            let id = metricRows.string(0) ?? ""
            metricsByBacktest[id, default: []].append(
                (metricRows.string(1) ?? "", metricRows.double(2), metricRows.string(3) ?? ""))
        }
        let statement = try db.prepare(sql)
        try statement.bind(parameters)
        defer { statement.reset() }
        var rows: [BacktestRow] = []
        while try statement.step() {
            let id = statement.string(0) ?? ""
            let row = BacktestRow(
                backtestID: id, labID: statement.string(1) ?? "", generation: statement.int64(2),
                population: statement.int64(3),
                market: statement.string(4), metrics: metricsByBacktest[id] ?? [])
            if query.filters.allSatisfy({ $0.accepts(row.metric($0.metric)?.number) }) { rows.append(row) }
        }
        if let sort = query.sort {
            // Numbers order normally; non-finite and missing values go last whatever the direction.
            rows.sort { left, right in
                let a = left.metric(sort)?.number
                let b = right.metric(sort)?.number
                switch (a, b) {
                case let (a?, b?) where a != b: return query.ascending ? a < b : a > b
                case (.some, nil): return true
                case (nil, .some): return false
                default: return left.backtestID < right.backtestID
                }
            }
        }
        if let limit = query.limit { rows = Array(rows.prefix(limit)) }
        return rows
    }
}

#if canImport(Glibc)
    import Glibc
#endif
