import Crypto
import Foundation
import SQLiteKit

extension PyHaasCacheWriter {
    // MARK: cache/lab_backtests_{lab}_{ts}/

    func writeLabBacktests(_ files: inout FileList) throws {
        for lab in world.labs {
            let folder = "cache/lab_backtests_\(lab.id)_\(PyHaasCacheWriter.folderStamp)"
            var reprs: [String] = []
            var csv = [PyHaasCacheWriter.analyticsColumns.joined(separator: ",")]
            for backtest in lab.backtests {
                let result = SimulatedResult(world: world, lab: lab, backtest: backtest)
                var writer = JSONWriter(capacity: 16_384)
                writer.object { out in
                    out.field("record_id", int: Int64(lab.index * 100_000 + backtest.index + 1))
                    out.field("user_id", world.configuration.email)
                    out.field("lab_id", lab.id)
                    out.field("backtest_id", backtest.id)
                    out.field("generation_idx", int: Int64(backtest.generation))
                    out.field("population_idx", int: Int64(backtest.population))
                    out.field("status", int: 3)
                    out.key("settings")
                    Payloads.settings(lab, into: &out)
                    out.key("parameters")
                    out.object { out in
                        for (name, value) in Payloads.parameterValues(lab: lab, backtest: backtest) {
                            out.field(name, value)
                        }
                    }
                    out.key("runtime")
                    Payloads.runtime(
                        world: world, lab: lab, backtest: backtest, userID: world.configuration.email, into: &out)
                    out.key("chart")
                    out.null()
                    out.key("logs")
                    out.array { _ in }
                }
                try files.write("\(folder)/backtest_details/\(backtest.id).json", writer.bytes)
                reprs.append(repr(lab: lab, backtest: backtest, result: result))
                csv.append(analyticsRow(lab: lab, backtest: backtest, result: result))
            }
            var list = JSONWriter()
            list.array { out in for text in reprs { out.string(text) } }
            try files.write("\(folder)/backtests_list.json", list.bytes)
            try files.write("\(folder)/backtests_analytics.csv", Array((csv.joined(separator: "\r\n") + "\r\n").utf8))
        }
    }

    /// What `json.dump(results, default=str)` writes for a pydantic `LabBacktestResult`: its repr, with the
    /// nested settings model (which has its own `account_id`) and a parameter dict.
    private func repr(lab: SimulatedWorld.Lab, backtest: SimulatedWorld.Backtest, result: SimulatedResult) -> String {
        let parameters = Payloads.parameterValues(lab: lab, backtest: backtest).map { "'\($0.0)': '\($0.1)'" }
            .joined(separator: ", ")
        return "record_id=\(lab.index * 100_000 + backtest.index + 1) user_id='\(world.configuration.email)' "
            + "lab_id='\(lab.id)' backtest_id='\(backtest.id)' generation_idx=\(backtest.generation) "
            + "population_idx=\(backtest.population) status=3 settings=HaasScriptSettings(bot_id='', bot_name='', "
            + "account_id='\(lab.accountID)', market_tag='\(lab.market)', position_mode=0, margin_mode=0, "
            + "leverage=\(lab.leverage), trade_amount=930.0, interval=15, chart_style=300, order_template=500, "
            + "script_parameters={}) parameters={\(parameters)} runtime=None chart=None logs=[] "
            + "summary=LabBacktestSummary(orders=\(result.positions.count * 2), trades=\(result.positions.count), "
            + "positions=\(result.positions.count), fee_costs={}, realized_profits={}, return_on_investment=[], "
            + "custom_report={})"
    }

    static let analyticsColumns = [
        "account_id", "backtest_id", "beats_buy_hold", "end_time", "fees_usdt", "generation", "interval",
        "losing_trades", "market_tag", "max_drawdown", "orders", "pc_value", "population", "positions",
        "realized_profits_usdt", "rising_length", "roi_percentage", "script_id", "script_name", "start_time",
        "stop_loss_percentage", "stop_loss_shrinkage", "total_profit", "total_trades", "trades", "vwap_window",
        "win_rate", "winning_trades",
    ]

    /// pyHaasAPI's row, bugs included: `max_drawdown` is RM, generation and population are empty.
    private func analyticsRow(lab: SimulatedWorld.Lab, backtest: SimulatedWorld.Backtest, result: SimulatedResult)
        -> String
    {
        let trades = result.positions.count
        let values: [String] = [
            lab.accountID, backtest.id, String(result.roi > result.priceChange), String(result.end),
            String(result.totalFees), "", "15", String(result.losers.count), lab.market, String(result.roiMargin),
            String(trades * 2), String(result.priceChange), "", String(trades), String(result.realizedProfits), "",
            String(result.roi), lab.scriptID, lab.scriptName, String(result.start), "", "",
            String(result.realizedProfits), String(trades), String(trades), "",
            String(trades == 0 ? 0 : Double(result.winners.count) / Double(trades)), String(result.winners.count),
        ]
        return values.map(PyHaasCacheWriter.csvField).joined(separator: ",")
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
