import BacktestMetrics
import EventLog
import Foundation
import SQLiteKit

/// The read-model file of a ledger (`<ledger>/readmodels.sqlite`): migrated and caught up on open, so every
/// read sees every event the log holds.
public final class ReadModels {
    public let path: String
    let db: SQLiteConnection
    public let projector: Projector
    /// How many temporary tables this connection has named, so each sorted read gets its own.
    var temporaryTables = 0

    /// Opens (creating and migrating when needed) the read models at `path` and applies new events.
    public init(path: String, log: EventLog) throws {
        self.path = path
        let migrator = try ReadModelSchema.migrator()
        var existing = FileManager.default.fileExists(atPath: path) ? try ReadModels.open(path) : nil
        if try log.read({ try $0.head() }) != nil, try existing.map({ try ReadModels.isBehind($0, migrator) }) ?? true {
            // A first read of a log, or a file older than this build's schema (its rows never reached the new
            // tables or columns): read models are disposable, and the bulk replay builds a whole file several
            // times faster than catching up event by event.
            existing = nil  // closed before the file is replaced
            try ReadModels.rebuild(log: log, output: path)
        }
        db = try existing ?? ReadModels.open(path)
        try migrator.migrate(db)
        projector = try Projector(db)
        try projector.catchUp(from: log)
    }

    private static func open(_ path: String) throws -> SQLiteConnection {
        let db = try SQLiteConnection(path: path)
        // As private as the log it is derived from (SQLite gives its WAL files the same mode).
        chmod(path, 0o600)
        try db.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = \(cachePages)")
        return db
    }

    /// True when the file lacks a migration this build has. (A file from a newer build is left to `migrate`,
    /// which refuses it with a message.)
    private static func isBehind(_ db: SQLiteConnection, _ migrator: Migrator) throws -> Bool {
        let applied = Set(try migrator.appliedVersions(db))
        let known = migrator.migrations.map(\.version)
        return (applied.max() ?? 0) <= (known.max() ?? 0) && known.contains { !applied.contains($0) }
    }

    /// Page cache: negative means KiB, so up to 64 MiB, allocated only as pages are used.
    static let cachePages = -65_536

    public static func path(ledgerRoot: String) -> String { ledgerRoot + "/readmodels.sqlite" }
}

/// One backtest with its metrics under one formula.
public struct BacktestRow: Sendable, Equatable {
    public let backtestID: String
    public let labID: String
    public let generation: Int64?
    public let population: Int64?
    public let market: String?
    /// The SHA-256 of the script's source, for a backtest this ledger ran (direct backtests).
    public let scriptVersion: String?
    /// The parameters it ran with, as canonical JSON (input name → value).
    public let parameters: String?
    /// Metric name → (number when finite, text as stored).
    public let metrics: [(name: String, number: Double?, text: String)]
    public var scriptName: String? = nil
    /// The server's ROI, in percent.
    public var reportedROI: Double? = nil

    public static func == (lhs: BacktestRow, rhs: BacktestRow) -> Bool {
        lhs.backtestID == rhs.backtestID && lhs.labID == rhs.labID && lhs.generation == rhs.generation
            && lhs.population == rhs.population && lhs.market == rhs.market && lhs.scriptVersion == rhs.scriptVersion
            && lhs.parameters == rhs.parameters
            && lhs.metrics.map(\.text) == rhs.metrics.map(\.text) && lhs.metrics.map(\.name) == rhs.metrics.map(\.name)
    }

    public func metric(_ name: String) -> (number: Double?, text: String)? {
        metrics.first { $0.name == name }.map { ($0.number, $0.text) }
    }

    /// A metric's value to order and compare by (`MetricOrder`).
    public func orderable(_ name: String) -> Double? {
        metric(name).flatMap { MetricOrder.orderable(number: $0.number, text: $0.text) }
    }
}

extension ReadModels {
    /// Position `?1` of the as-of queries: a log position, or "every version so far" for nil.
    public static func asOfParameter(_ position: UInt64?) -> SQLiteValue {
        .integer(position.map { Int64(min($0, UInt64(Int64.max))) } ?? Int64.max)
    }

    /// `AND lab_id = ?n AND market = ?m AND backtest_id = ?k` for the filters a query has, appending their values to `parameters`.
    static func backtestConditions(_ query: BacktestQuery, column prefix: String, parameters: inout [SQLiteValue])
        -> String
    {
        var sql = ""
        for (column, value) in [("lab_id", query.lab), ("market", query.market), ("backtest_id", query.backtest)] {
            guard let value else { continue }
            parameters.append(.text(value))
            sql += " AND \(prefix)\(column) = ?\(parameters.count)"
        }
        if query.directOnly { sql += " AND \(prefix)lab_id IS NULL" }
        if let range = query.backtestIDs {
            parameters += [.text(range.lowerBound), .text(range.upperBound)]
            sql += " AND \(prefix)backtest_id BETWEEN ?\(parameters.count - 1) AND ?\(parameters.count)"
        }
        if let sweep = query.sweep {
            parameters.append(.text(sweep))
            sql += """
                 AND \(prefix)backtest_id IN (SELECT t.backtest_id FROM sweep_trials t WHERE t.sweep_id = ?\(parameters.count)
                    AND t.valid_from <= ?1 AND (t.valid_to IS NULL OR t.valid_to > ?1))
                """
        }
        return sql
    }

    /// The SQL condition of a row valid at position ?1.
    public static let validAt = "valid_from <= ?1 AND (valid_to IS NULL OR valid_to > ?1)"

    public func backtests(_ query: BacktestQuery) throws -> [BacktestRow] {
        if let fast = try topBacktests(query) { return fast }
        return try allBacktests(query)
    }

    /// The key of a name in `metric_formulas` or `metric_names`; nil when no event used it.
    func formulaKey(_ formula: String) throws -> Int64? {
        try nameKey("SELECT formula_key FROM metric_formulas WHERE formula = ?", formula)
    }

    func metricKey(_ metric: String) throws -> Int64? {
        try nameKey("SELECT metric_key FROM metric_names WHERE metric = ?", metric)
    }

    private func nameKey(_ sql: String, _ name: String) throws -> Int64? {
        if case .integer(let key)? = try db.prepare(sql).rows([.text(name)]).first?.first { return key }
        return nil
    }

    /// The top-N fast path: `sort` + `limit` without `--where`. For each bucket of `valid_from` up to the
    /// position, walks the numbers of that bucket in value order (the sorted rows a rebuild wrote, by rowid
    /// range, and the rows catch-up added since, by their index), keeping rows whose set is valid at the
    /// position (the row's own valid_to when the rebuild knew it, else the set's) and whose backtest is in the
    /// lab/market asked for, until it has N plus any ties; the best N of
    /// all walks win, ties by backtest id. Only then are those backtests loaded. Returns nil when it cannot
    /// answer alone (fewer numbers than N), so the caller falls back.
    func topBacktests(_ query: BacktestQuery) throws -> [BacktestRow]? {
        guard let sort = query.sort, let limit = query.limit, query.filters.isEmpty else { return nil }
        guard let formula = try formulaKey(query.formula), let metric = try metricKey(sort)
        else { return nil }
        let at = Self.asOfParameter(query.asOf)
        let direction = query.ascending ? "ASC" : "DESC"
        // ?1 position, ?2 formula, ?3 metric, ?4 bucket, ?5/?6 rowid range, then lab and market.
        var parameters: [SQLiteValue] = [at, .integer(formula), .integer(metric), .null, .null, .null]
        let conditions = Self.backtestConditions(query, column: "b.", parameters: &parameters)
        func walk(_ rows: String, order: String) throws -> SQLiteStatement {
            try db.prepare(
                """
                SELECT (SELECT backtest_id FROM backtest_keys k WHERE k.backtest_key = v.backtest_key), v.value
                FROM backtest_metric_values v
                WHERE \(rows) AND v.valid_from <= ?1
                  AND (v.valid_to > ?1 OR (v.valid_to IS NULL AND EXISTS (
                        SELECT 1 FROM backtest_metric_sets s WHERE s.backtest_key = v.backtest_key
                        AND s.formula_key = v.formula_key AND s.valid_from = v.valid_from
                        AND (s.valid_to IS NULL OR s.valid_to > ?1))))
                  AND EXISTS (SELECT 1 FROM backtests b
                              WHERE b.backtest_id = (SELECT backtest_id FROM backtest_keys k WHERE k.backtest_key = v.backtest_key)
                              AND b.valid_from <= ?1 AND (b.valid_to IS NULL OR b.valid_to > ?1)\(conditions))
                ORDER BY \(order)
                """)
        }
        let sortedWalk = try walk("v.rowid BETWEEN ?5 AND ?6", order: "v.rowid \(direction)")
        let caughtUpWalk = try walk(
            "v.formula_key = ?2 AND v.metric_key = ?3 AND v.bucket = ?4 AND v.caught_up = 1",
            order: "v.value \(direction)")
        let reached = try projector.position()
        let last = MetricValueBuckets.bucket(Int64(min(query.asOf ?? reached, reached)))
        var ranges: [Int64: (first: Int64, last: Int64)] = [:]
        for row in try db.prepare(
            "SELECT bucket, first_row, last_row FROM backtest_metric_value_ranges WHERE formula_key = ? AND metric_key = ? AND bucket <= ?"
        ).rows([.integer(formula), .integer(metric), .integer(last)]) {
            if case .integer(let bucket) = row[0], case .integer(let first) = row[1], case .integer(let end) = row[2] {
                ranges[bucket] = (first, end)
            }
        }
        var candidates: [(id: String, value: Double)] = []
        func collect(_ statement: SQLiteStatement) throws {
            // The two walks share one parameter list; each binds the ones up to the last it uses.
            try statement.bind(Array(parameters.prefix(statement.parameterCount)))
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
        for bucket in 0...max(last, 0) {
            parameters[3] = .integer(bucket)
            if let range = ranges[bucket] {
                parameters[4] = .integer(range.first)
                parameters[5] = .integer(range.last)
                try collect(sortedWalk)
            }
            try collect(caughtUpWalk)
        }
        candidates.sort { left, right in
            if left.value != right.value {
                return query.ascending ? left.value < right.value : left.value > right.value
            }
            return left.id < right.id
        }
        let ids = Array(candidates.prefix(limit).map(\.id))
        guard ids.count == limit else { return nil }
        let rows = try backtests(ids: ids, query)
        return rows.count == ids.count ? rows : nil
    }

    /// The metrics of the backtests matching `condition` (on `backtest_keys k`; nil: every backtest) under
    /// formula key ?2, from the set valid at position ?1.
    func metricSets(_ condition: String?, parameters: [SQLiteValue]) throws -> [String: [MetricEntry]] {
        let statement = try db.prepare(
            """
            SELECT k.backtest_id, s.metric_values FROM backtest_metric_sets s
            JOIN backtest_keys k ON k.backtest_key = s.backtest_key
            WHERE \(condition ?? "1") AND s.formula_key = ?2 AND s.valid_from <= ?1 AND (s.valid_to IS NULL OR s.valid_to > ?1)
            """)
        try statement.bind(parameters)
        defer { statement.reset() }
        var metrics: [String: [MetricEntry]] = [:]
        while try statement.step() {
            metrics[statement.string(0) ?? ""] = try statement.withBytes(1) { try MetricSetText.entries($0) }
        }
        return metrics
    }

    /// With a limit, the backtests are read a page of ids at a time and only the best `limit` are kept between
    /// pages, so `--where … --limit N` holds a page and N rows whatever the ledger's size.
    func allBacktests(_ query: BacktestQuery, pageSize: Int = 2_000) throws -> [BacktestRow] {
        guard query.limit != nil, query.backtest == nil, query.backtestIDs == nil else {
            return try backtestsAtOnce(query)
        }
        var kept: [BacktestRow] = []
        try forEachIDRange(query, pageSize: pageSize) { page in
            kept = Self.ordered(kept + (try backtestsAtOnce(page)), query)
        }
        return kept
    }

    func backtestsAtOnce(_ query: BacktestQuery) throws -> [BacktestRow] {
        let at = Self.asOfParameter(query.asOf)
        let metrics: [String: [MetricEntry]] =
            try formulaKey(query.formula).map { formula in
                let (condition, parameters) = Self.metricSetScope(query)
                return try metricSets(condition, parameters: [at, .integer(formula)] + parameters)
            } ?? [:]
        var parameters: [SQLiteValue] = [at]
        let statement = try db.prepare(Self.allBacktestsSQL(query, parameters: &parameters))
        try statement.bind(parameters)
        defer { statement.reset() }
        var rows: [BacktestRow] = []
        while try statement.step() {
            let id = statement.string(0) ?? ""
            let row = BacktestRow(
                backtestID: id, labID: statement.string(1) ?? "", generation: statement.int64(2),
                population: statement.int64(3),
                market: statement.string(4), scriptVersion: statement.string(5),
                parameters: statement.string(6), metrics: metrics[id] ?? [], scriptName: statement.string(7),
                reportedROI: statement.double(8))
            if query.filters.allSatisfy({ $0.accepts(row.orderable($0.metric)) }) { rows.append(row) }
        }
        return Self.ordered(rows, query)
    }

    static let backtestColumns =
        "backtest_id, lab_id, generation, population, market, script_version, parameters, script_name, reported_roi"

    /// A backtest row as `backtestColumns` select it.
    static func backtestRow(_ row: [SQLiteValue], metrics: [MetricEntry]) -> BacktestRow {
        BacktestRow(
            backtestID: row[0].textValue ?? "", labID: row[1].textValue ?? "", generation: row[2].integerValue,
            population: row[3].integerValue, market: row[4].textValue, scriptVersion: row[5].textValue,
            parameters: row[6].textValue, metrics: metrics, scriptName: row[7].textValue, reportedROI: row[8].realValue)
    }

    /// The backtests a query asks for as of ?1, by id, appending the filters' values to `parameters`.
    static func allBacktestsSQL(_ query: BacktestQuery, parameters: inout [SQLiteValue]) -> String {
        "SELECT \(backtestColumns) FROM backtests WHERE \(validAt)"
            + backtestConditions(query, column: "", parameters: &parameters) + " ORDER BY backtest_id"
    }

    /// Which metric sets a query needs, as a condition on `k.backtest_id` with its values from ?3 on (nil:
    /// every set): only a lab's, when a workbook reads lab after lab, and only a page's, when an export reads
    /// page after page, so neither reads every set each time.
    static func metricSetScope(_ query: BacktestQuery) -> (condition: String?, parameters: [SQLiteValue]) {
        if let backtest = query.backtest { return ("k.backtest_id = ?3", [.text(backtest)]) }
        var conditions: [String] = []
        var parameters: [SQLiteValue] = []
        if let range = query.backtestIDs {
            parameters += [.text(range.lowerBound), .text(range.upperBound)]
            conditions.append("k.backtest_id BETWEEN ?3 AND ?4")
        }
        var lab: String?
        if let name = query.lab {
            parameters.append(.text(name))
            lab = "= ?\(parameters.count + 2)"
        } else if query.directOnly {
            lab = "IS NULL"
        }
        if let lab {
            conditions.append(
                "k.backtest_id IN (SELECT b.backtest_id FROM backtests b WHERE b.lab_id \(lab) AND b.valid_from <= ?1 AND (b.valid_to IS NULL OR b.valid_to > ?1))"
            )
        }
        return (conditions.isEmpty ? nil : conditions.joined(separator: " AND "), parameters)
    }

    /// Rows in the query's order, limited. Numbers and infinities order as numbers; undefined and missing
    /// values go last whatever the direction; ties by backtest id. Each row's key is looked up once, and
    /// indices are sorted rather than the rows themselves.
    static func ordered(_ rows: [BacktestRow], _ query: BacktestQuery) -> [BacktestRow] {
        var rows = rows
        if let sort = query.sort {
            let keys = rows.map { $0.orderable(sort) }
            let order = rows.indices.sorted { left, right in
                switch (keys[left], keys[right]) {
                case let (a?, b?) where a != b: return query.ascending ? a < b : a > b
                case (.some, nil): return true
                case (nil, .some): return false
                default: return rows[left].backtestID < rows[right].backtestID
                }
            }
            rows = order.map { rows[$0] }
        }
        if let limit = query.limit { rows = Array(rows.prefix(limit)) }
        return rows
    }
}

#if canImport(Glibc)
    import Glibc
#endif

/// A column value read back as the type it was written as (nil for any other).
extension SQLiteValue {
    var textValue: String? { if case .text(let text) = self { text } else { nil } }
    var integerValue: Int64? { if case .integer(let number) = self { number } else { nil } }
    var realValue: Double? {
        switch self {
        case .real(let number): number
        case .integer(let number): Double(number)
        default: nil
        }
    }
}
