import SQLiteKit

/// The read models as a shared database holds them (`project sync --postgres`): the tables of SQLite, except
/// that metric sets and their numbers are keyed by backtest id and formula name, and the log's events are
/// kept beside them. The queries other than the backtests' are SQLite's own (`ReadModelConnection`).
public struct SharedReadModels: ReadModelReading {
    let connection: any ReadModelConnection

    public init(_ connection: any ReadModelConnection) {
        self.connection = connection
    }

    public func rows(_ sql: String, _ parameters: [SQLiteValue]) throws -> [[SQLiteValue]] {
        try connection.rows(sql, parameters)
    }

    public func backtests(_ query: BacktestQuery) throws -> [BacktestRow] {
        if let top = try topBacktests(query) { return top }
        let at = ReadModels.asOfParameter(query.asOf)
        let (condition, scope) = ReadModels.metricSetScope(query)
        let metrics = try metricSets(condition, [at, .text(query.formula)] + scope)
        var parameters: [SQLiteValue] = [at]
        let rows = try rows(ReadModels.allBacktestsSQL(query, parameters: &parameters), parameters).map {
            ReadModels.backtestRow($0, metrics: metrics[$0[0].textValue ?? ""] ?? [])
        }
        return ReadModels.ordered(
            rows.filter { row in query.filters.allSatisfy { $0.accepts(row.orderable($0.metric)) } }, query)
    }

    public func parameterKeys(asOf position: UInt64?) throws -> [String] {
        try rows(
            """
            SELECT DISTINCT j.key COLLATE "C" AS key FROM backtests b,
                jsonb_object_keys(CASE WHEN jsonb_typeof(b.parameters::jsonb) = 'object' THEN b.parameters::jsonb END)
                    AS j(key)
            WHERE b.valid_from <= ?1 AND (b.valid_to IS NULL OR b.valid_to > ?1)
            ORDER BY 1
            """, [ReadModels.asOfParameter(position)]
        ).compactMap { $0.first?.textValue }
    }

    /// `sort` + `limit` without `--where`: the versions valid at a position are those opened in its bucket of
    /// positions or an earlier one (as SQLite buckets them, `MetricValueBuckets`) and closed in its bucket, a later
    /// one or never. For each such pair of buckets, the numbers of the metric are walked in value order by their
    /// index (migration 0004); the best N of all walks win, ties by backtest id. A pair strictly around the
    /// position holds only valid versions, so only the walks of the position's own bucket skip any. Nil when
    /// fewer than N backtests have a number (the caller then orders every backtest, the missing last).
    private func topBacktests(_ query: BacktestQuery) throws -> [BacktestRow]? {
        guard query.sort != nil, let limit = query.limit, query.filters.isEmpty else { return nil }
        let at = ReadModels.asOfParameter(query.asOf)
        // Without lab, market or other conditions, every number's backtest is valid at the position in practice: the walk leaves
        // the check to the load below, and is walked again with it only when some backtest is not.
        var unused: [SQLiteValue] = []
        let unconditional = ReadModels.backtestConditions(query, column: "b.", parameters: &unused).isEmpty
        var ids = try topIDs(query, checkingBacktests: !unconditional)
        guard ids.count == limit else { return nil }
        var backtests = try validBacktests(ids, at: at)
        if unconditional, backtests.count < ids.count {
            ids = try topIDs(query, checkingBacktests: true)
            guard ids.count == limit else { return nil }
            backtests = try validBacktests(ids, at: at)
        }
        let list = ids.indices.map { "?\($0 + 3)" }.joined(separator: ", ")
        let metrics = try metricSets(
            "k.backtest_id IN (\(list))", [at, .text(query.formula)] + ids.map(SQLiteValue.text))
        var found: [BacktestRow] = []
        for id in ids {
            guard let row = backtests[id] else { return nil }
            found.append(ReadModels.backtestRow(row, metrics: metrics[id] ?? []))
        }
        return found
    }

    /// The ids of the best `limit` numbers of the sorted metric valid at the position, ties by id, walked by
    /// pair of buckets (`topBacktests`); with `checkingBacktests`, only those whose backtest is valid there and
    /// of the lab, market, sweep… asked for.
    private func topIDs(_ query: BacktestQuery, checkingBacktests: Bool) throws -> [String] {
        var parameters: [SQLiteValue] = [
            ReadModels.asOfParameter(query.asOf), .text(query.formula), .text(query.sort ?? ""),
            .integer(Int64(query.limit ?? 0)),
        ]
        let conditions = ReadModels.backtestConditions(query, column: "b.", parameters: &parameters)
        let order = "value \(query.ascending ? "ASC" : "DESC"), backtest_id"
        let shift = MetricValueBuckets.shift
        let check = """
              AND EXISTS (SELECT 1 FROM backtests b WHERE b.backtest_id = v.backtest_id
                          AND b.valid_from <= ?1 AND (b.valid_to IS NULL OR b.valid_to > ?1)\(conditions))
            """
        return try rows(
            """
            SELECT t.backtest_id FROM
                (SELECT least(?1, position) >> \(shift) AS k, position >> \(shift) AS last
                 FROM projection_state WHERE name = 'read_models') AS head
            CROSS JOIN generate_series(0, head.k) AS opened(n)
            CROSS JOIN LATERAL (SELECT generate_series(head.k, head.last) UNION ALL SELECT \(Self.neverClosed) >> \(shift))
                AS closed(n)
            CROSS JOIN LATERAL (
                SELECT v.backtest_id, v.value FROM backtest_metric_values v
                WHERE v.formula = ?2 AND v.metric = ?3 AND (v.valid_from >> \(shift)) = opened.n
                  AND (coalesce(v.valid_to, \(Self.neverClosed)) >> \(shift)) = closed.n
                  AND v.valid_from <= ?1 AND (v.valid_to IS NULL OR v.valid_to > ?1)
            \(checkingBacktests ? check : "")
                ORDER BY v.\(order) LIMIT ?4) AS t
            ORDER BY t.\(order) LIMIT ?4
            """, parameters
        ).compactMap { $0.first?.textValue }
    }

    /// The rows of `ids` valid at position `at`, by id.
    private func validBacktests(_ ids: [String], at: SQLiteValue) throws -> [String: [SQLiteValue]] {
        let list = ids.indices.map { "?\($0 + 2)" }.joined(separator: ", ")
        return Dictionary(
            try rows(
                "SELECT \(ReadModels.backtestColumns) FROM backtests WHERE \(ReadModels.validAt) AND backtest_id IN (\(list))",
                [at] + ids.map(SQLiteValue.text)
            ).map { ($0[0].textValue ?? "", $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The closing position of a version still open, in the index of migration 0004 (`Int64.max`).
    static let neverClosed = "9223372036854775807"

    /// The metric sets matching `condition` (on `k`, the sets) under formula ?2, valid at position ?1.
    private func metricSets(_ condition: String?, _ parameters: [SQLiteValue]) throws -> [String: [MetricEntry]] {
        var sets: [String: [MetricEntry]] = [:]
        for row in try rows(
            """
            SELECT k.backtest_id, k.metric_values FROM backtest_metric_sets k
            WHERE \(condition ?? "TRUE") AND k.formula = ?2 AND k.valid_from <= ?1 AND (k.valid_to IS NULL OR k.valid_to > ?1)
            """, parameters)
        {
            guard let id = row[0].textValue, var text = row[1].textValue else { continue }
            sets[id] = try text.withUTF8 { try MetricSetText.entries(UnsafeRawBufferPointer($0)) }
        }
        return sets
    }
}

/// One of the log's events as the shared database keeps it.
public struct SharedEvent: Sendable, Equatable {
    public let position: UInt64
    public let recordedAt: Int64
    public let type: String
    public let source: String
    public let correlationID: String?
    public let causation: UInt64?
    /// The record's hash, hex.
    public let hash: String
    /// Canonical JSON, the log's bytes.
    public let payload: String
}

extension SharedReadModels {
    /// The position the ledger was synced through (the shared database's present) and when that event was
    /// recorded; nil before the first sync.
    public func checkpoint() throws -> (position: UInt64, recordedAt: Int64?)? {
        try rows("SELECT position, recorded_at FROM projection_state WHERE name = 'read_models'", []).first.map {
            (UInt64($0[0].integerValue ?? 0), $0[1].integerValue)
        }
    }

    /// The last position recorded at or before `time` (µs), or 0 when every event is later.
    public func position(asOf time: Int64) throws -> UInt64 {
        UInt64(
            try rows("SELECT max(position) FROM events WHERE recorded_at <= ?1", [.integer(time)]).first?.first?
                .integerValue ?? 0)
    }

    /// When the event at `position` was recorded (nil when none was synced).
    public func recordedAt(_ position: UInt64) throws -> Int64? {
        try rows("SELECT recorded_at FROM events WHERE position = ?1", [.integer(Int64(position))]).first?.first?
            .integerValue
    }

    /// The events of one stream, in order.
    public func loggedEvents(inStream stream: String) throws -> [SharedEvent] {
        try loggedEvents("stream = ?1", [.text(stream)])
    }

    /// The event at `position`, nil when none was synced.
    public func loggedEvent(at position: UInt64) throws -> SharedEvent? {
        try loggedEvents("position = ?1", [.integer(Int64(min(position, UInt64(Int64.max))))]).first
    }

    /// A recorded runtime's body by its SHA-256 (hex), as the log holds it; nil when it was not synced.
    public func runtimeBody(sha256 hex: String) throws -> [UInt8]? {
        guard let cell = try rows("SELECT body FROM runtime_bodies WHERE sha256 = ?1", [.text(hex)]).first?.first,
            case .blob(let bytes) = cell
        else { return nil }
        return bytes
    }

    /// The events of one type, in order (only the first when `first`).
    public func loggedEvents(ofType type: String, first: Bool = false) throws -> [SharedEvent] {
        try loggedEvents("type = ?1", [.text(type)], limit: first ? 1 : nil)
    }

    private func loggedEvents(_ condition: String, _ parameters: [SQLiteValue], limit: Int? = nil) throws
        -> [SharedEvent]
    {
        try rows(
            "SELECT position, recorded_at, type, source, correlation_id, causation, payload, event_hash FROM events WHERE \(condition) ORDER BY position"
                + (limit.map { " LIMIT \($0)" } ?? ""),
            parameters
        ).map { row in
            SharedEvent(
                position: UInt64(row[0].integerValue ?? 0), recordedAt: row[1].integerValue ?? 0,
                type: row[2].textValue ?? "", source: row[3].textValue ?? "", correlationID: row[4].textValue,
                causation: row[5].integerValue.map { UInt64($0) }, hash: row[7].textValue ?? "",
                payload: row[6].textValue ?? "{}")
        }
    }
}
