import EventLog
import Foundation
import JSON
import Projections
import SQLiteKit

extension ReadModelService {
    /// The columns of pyHaasAPI's `backtests_analytics.csv` (haas-api.md §5.2), plus `formula` and `as_of`.
    public static let analyticsColumns = [
        "account_id", "backtest_id", "beats_buy_hold", "end_time", "fees_usdt", "generation", "interval",
        "losing_trades",
        "market_tag", "max_drawdown", "orders", "pc_value", "population", "positions", "realized_profits_usdt",
        "rising_length", "roi_percentage", "script_id", "script_name", "start_time", "stop_loss_percentage",
        "stop_loss_shrinkage", "total_profit", "total_trades", "trades", "vwap_window", "win_rate", "winning_trades",
        "formula", "as_of",
    ]

    /// Script parameters some columns come from, matched on the last segment of the parameter key.
    static let parameterColumns: [String: [String]] = [
        "rising_length": ["rising length"],
        "stop_loss_percentage": ["stop loss", "stop loss %", "stop loss percentage"],
        "stop_loss_shrinkage": ["stop loss shrinkage"], "vwap_window": ["vwap window"],
    ]

    /// `export csv`, with the **correct** meanings: `max_drawdown` is the computed drawdown (a fraction ≤ 0), not
    /// RM; `pc_value` is the market's price change %; generation and population are filled in; `roi_percentage`
    /// is the server's ROI (on margin); `total_profit` and the trade counts are computed; `trades` and `positions`
    /// are the server's closed-position count; `beats_buy_hold` is ROI / leverage > PC. `orders` is left empty:
    /// the ledger does not count orders.
    public func analytics(lab: String?, formula: String, at moment: Moment) throws -> ResultTable {
        let (log, models) = try open(formulas: [("--formula", formula)])
        let position = try Self.position(moment, log)
        let asOfTime = try log.read { reader -> Int64? in
            guard let head = try reader.head() else { return nil }
            let at = min(position ?? head.position, head.position)
            return at == 0 ? nil : try reader.event(at: at)?.recordedAt
        }
        let metrics = Dictionary(
            uniqueKeysWithValues: try models.backtests(BacktestQuery(lab: lab, formula: formula, asOf: position)).map {
                ($0.backtestID, $0)
            })
        var sql = """
            SELECT backtest_id, account_id, ended_at, reported_total_fee_costs, generation, interval, market,
                   reported_price_change_pct, population, reported_closed_positions, reported_realized_profits,
                   reported_roi, script_id, script_name, started_at, leverage, parameters
            FROM backtests WHERE \(ReadModels.validAt)
            """
        var parameters: [SQLiteValue] = [ReadModels.asOfParameter(position)]
        if let lab {
            sql += " AND lab_id = ?2"
            parameters.append(.text(lab))
        }
        let statement = try models.db.prepare(sql + " ORDER BY backtest_id")
        try statement.bind(parameters)
        defer { statement.reset() }
        var rows: [[ResultTable.Cell]] = []
        func time(_ seconds: Int64?) -> ResultTable.Cell {
            seconds.map { .text(Timestamp.format($0 * 1_000_000)) } ?? .null
        }
        while try statement.step() {
            let id = statement.string(0) ?? ""
            let computed = metrics[id]
            func metric(_ name: String) -> ResultTable.Cell { Self.cell(computed?.metric(name)) }
            let roi = statement.double(11)
            let priceChange = statement.double(7)
            let leverage = statement.double(15) ?? 1
            let beats: ResultTable.Cell =
                if let roi, let priceChange { .text(roi / max(leverage, 1e-12) > priceChange ? "true" : "false") } else
                { .null }
            let scriptParameters = statement.string(16).flatMap { try? JSONParser.parse($0) }
            func parameter(_ column: String) -> ResultTable.Cell {
                guard case .object(let members)? = scriptParameters, let names = Self.parameterColumns[column] else {
                    return .null
                }
                for (key, value) in members {
                    let last = (key.split(separator: ".").last.map(String.init) ?? key).lowercased()
                        .trimmingCharacters(in: .whitespaces)
                    if names.contains(last) {
                        return value.stringValue.map(ResultTable.Cell.text) ?? .text(CanonicalJSON.string(value))
                    }
                }
                return .null
            }
            let cells: [String: ResultTable.Cell] = [
                "account_id": statement.string(1).map(ResultTable.Cell.text) ?? .null, "backtest_id": .text(id),
                "beats_buy_hold": beats, "end_time": time(statement.int64(2)),
                "fees_usdt": statement.double(3).map(ResultTable.Cell.number) ?? .null,
                "generation": statement.int64(4).map(ResultTable.Cell.integer) ?? .null,
                "interval": statement.int64(5).map(ResultTable.Cell.integer) ?? .null,
                "losing_trades": metric("num_losing"),
                "market_tag": statement.string(6).map(ResultTable.Cell.text) ?? .null,
                "max_drawdown": metric("max_drawdown"), "orders": .null,
                "pc_value": priceChange.map(ResultTable.Cell.number) ?? .null,
                "population": statement.int64(8).map(ResultTable.Cell.integer) ?? .null,
                "positions": statement.int64(9).map(ResultTable.Cell.integer) ?? .null,
                "realized_profits_usdt": statement.double(10).map(ResultTable.Cell.number) ?? .null,
                "rising_length": parameter("rising_length"),
                "roi_percentage": roi.map(ResultTable.Cell.number) ?? .null,
                "script_id": statement.string(12).map(ResultTable.Cell.text) ?? .null,
                "script_name": statement.string(13).map(ResultTable.Cell.text) ?? .null,
                "start_time": time(statement.int64(14)),
                "stop_loss_percentage": parameter("stop_loss_percentage"),
                "stop_loss_shrinkage": parameter("stop_loss_shrinkage"),
                "total_profit": metric("total_net_pnl"), "total_trades": metric("num_trades"),
                "trades": statement.int64(9).map(ResultTable.Cell.integer) ?? .null,
                "vwap_window": parameter("vwap_window"),
                "win_rate": metric("win_rate"), "winning_trades": metric("num_winning"), "formula": .text(formula),
                "as_of": asOfTime.map { .text(Timestamp.format($0)) } ?? .null,
            ]
            rows.append(Self.analyticsColumns.map { cells[$0] ?? .null })
        }
        return ResultTable(columns: Self.analyticsColumns, rows: rows)
    }
}
