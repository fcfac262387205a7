import SQLiteKit

/// What the server and the runtime said about a backtest, as of a position (the computed metrics come from
/// `backtests(_:)`). `export csv` is built from these.
public struct BacktestFactsRow: Sendable, Equatable {
    public let backtestID: String
    public let accountID: String?
    /// Unix seconds.
    public let startedAt: Int64?
    public let endedAt: Int64?
    public let generation: Int64?
    public let population: Int64?
    public let interval: Int64?
    public let market: String?
    public let scriptID: String?
    public let scriptName: String?
    public let leverage: Double?
    /// The script parameters as canonical JSON.
    public let parameters: String?
    public let reportedTotalFeeCosts: Double?
    public let reportedPriceChangePercent: Double?
    public let reportedClosedPositions: Int64?
    public let reportedRealizedProfits: Double?
    public let reportedROI: Double?
    /// The runtime event the facts were read from.
    public let runtimePosition: Int64?
}

private enum FactColumn: String, SelectedColumns {
    case backtest_id, account_id, started_at, ended_at, generation, population, interval, market, script_id
    case script_name, leverage, parameters, reported_total_fee_costs, reported_price_change_pct
    case reported_closed_positions, reported_realized_profits, reported_roi, runtime_position
}

extension ReadModelConnection {
    /// Every backtest (of `lab` when given, of no lab when `directOnly`) valid at `position`, by backtest id;
    /// with `after` and `limit`, the next page of them (an export reads a ledger of any size page by page).
    public func backtestFacts(
        lab: String?, directOnly: Bool = false, asOf position: UInt64?, after: String? = nil, limit: Int? = nil
    ) throws -> [BacktestFactsRow] {
        var sql = "SELECT \(FactColumn.list) FROM backtests WHERE \(ReadModels.validAt)"
        var parameters: [SQLiteValue] = [ReadModels.asOfParameter(position)]
        if directOnly { sql += " AND lab_id IS NULL" }
        for (condition, value) in [("lab_id =", lab), ("backtest_id >", after)] {
            guard let value else { continue }
            parameters.append(.text(value))
            sql += " AND \(condition) ?\(parameters.count)"
        }
        sql += " ORDER BY backtest_id"
        if let limit { sql += " LIMIT \(max(limit, 0))" }
        return try rows(sql, parameters).map { row in
            BacktestFactsRow(
                backtestID: row.string(FactColumn.backtest_id) ?? "", accountID: row.string(FactColumn.account_id),
                startedAt: row.int64(FactColumn.started_at), endedAt: row.int64(FactColumn.ended_at),
                generation: row.int64(FactColumn.generation), population: row.int64(FactColumn.population),
                interval: row.int64(FactColumn.interval), market: row.string(FactColumn.market),
                scriptID: row.string(FactColumn.script_id), scriptName: row.string(FactColumn.script_name),
                leverage: row.double(FactColumn.leverage), parameters: row.string(FactColumn.parameters),
                reportedTotalFeeCosts: row.double(FactColumn.reported_total_fee_costs),
                reportedPriceChangePercent: row.double(FactColumn.reported_price_change_pct),
                reportedClosedPositions: row.int64(FactColumn.reported_closed_positions),
                reportedRealizedProfits: row.double(FactColumn.reported_realized_profits),
                reportedROI: row.double(FactColumn.reported_roi),
                runtimePosition: row.int64(FactColumn.runtime_position))
        }
    }
}
