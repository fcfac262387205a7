import SQLiteKit

/// A database that holds the read-model tables: a ledger's own SQLite file, or one ledger's rows in a shared
/// PostgreSQL schema (seen through views named as the tables). The queries whose SQL both understand are
/// written once, on this; parameters are `?1`, `?2`… as SQLite numbers them.
public protocol ReadModelConnection {
    func rows(_ sql: String, _ parameters: [SQLiteValue]) throws -> [[SQLiteValue]]
}

/// What the read commands ask of the read models, wherever they are held.
public protocol ReadModelReading: ReadModelConnection {
    /// Backtests and their metrics as of a position, filtered, sorted (ties by backtest id) and limited.
    func backtests(_ query: BacktestQuery) throws -> [BacktestRow]
    /// Every script parameter name some backtest valid at `position` ran with, sorted.
    func parameterKeys(asOf position: UInt64?) throws -> [String]
    /// The query's backtests that `accept` keeps, in its order and up to its limit, a page at a time:
    /// `metricNames` first gets the metric names of every kept row (sorted), then `page` each page.
    func forEachBacktestPage(
        _ query: BacktestQuery, pageSize: Int, accept: (BacktestRow) -> Bool,
        metricNames: ([String]) throws -> Void, page: ([BacktestRow]) throws -> Void
    ) throws
    /// The backtests that have metrics at either of two moments, by id, a page at a time, each with its rank
    /// (in the queries' order) and row at both.
    func forEachComparedPage(
        before: BacktestQuery, after: BacktestQuery, pageSize: Int, page: ([ComparedBacktest]) throws -> Void
    ) throws
    /// `names` under `formula` for every backtest valid at `position`, by backtest id, without building a row
    /// or holding one per backtest: what a report charts for a ledger of any size. `row` gets the id, the lab
    /// id ("" for a backtest of no lab) and the values in the order of `names`: orderable (±inf as the
    /// infinities), nil when undefined or not computed.
    func forEachMetricRow(
        _ names: [String], formula: String, asOf position: UInt64?,
        _ row: (_ backtestID: String, _ labID: String, _ values: [Double?]) throws -> Void
    ) throws
    /// The provenance of each of `ids` under `formula`, as of `position` (an id without a backtest row is left out).
    func provenance(backtests ids: [String], formula: String, asOf position: UInt64?) throws
        -> [String: BacktestProvenanceRow]
    /// Backtests with more than one metric set under `formula` by `position`, most revised first (ties by id),
    /// at most `limit` of them.
    func revisedBacktests(formula: String, asOf position: UInt64?, limit: Int) throws -> [MetricRevisionsRow]
}

extension ReadModelConnection {
    /// Every formula and metric name some `metrics.computed` used, sorted.
    public func recordedNames() throws -> (formulas: [String], metrics: [String]) {
        func names(_ sql: String) throws -> [String] { try rows(sql, []).compactMap { $0.first?.textValue } }
        return (
            try names("SELECT formula FROM metric_formulas ORDER BY formula"),
            try names("SELECT metric FROM metric_names ORDER BY metric")
        )
    }
}

extension ReadModelConnection {
    /// The lab id of every backtest valid at `position`, once each, sorted; nil stands for the backtests of no
    /// lab. (A lab id may have no lab row: an imported cache names labs it holds no record of.)
    public func backtestLabIDs(asOf position: UInt64?) throws -> [String?] {
        try rows(
            "SELECT lab_id FROM backtests WHERE \(ReadModels.validAt) GROUP BY lab_id ORDER BY lab_id IS NOT NULL, lab_id",
            [ReadModels.asOfParameter(position)]
        ).map { $0.first?.textValue }
    }
}

extension ReadModels: ReadModelReading {
    public func rows(_ sql: String, _ parameters: [SQLiteValue]) throws -> [[SQLiteValue]] {
        try db.prepare(sql).rows(parameters)
    }
}

/// A selected row's values by column.
extension Array where Element == SQLiteValue {
    func string<C: SelectedColumns>(_ column: C) -> String? { self[column.index].textValue }
    func int64<C: SelectedColumns>(_ column: C) -> Int64? { self[column.index].integerValue }
    func double<C: SelectedColumns>(_ column: C) -> Double? { self[column.index].realValue }
}
