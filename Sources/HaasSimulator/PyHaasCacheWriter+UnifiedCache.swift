import Crypto
import Foundation
import SQLiteKit

extension PyHaasCacheWriter {
    // MARK: unified_cache/

    func writeUnifiedBacktests(_ files: inout FileList, layouts: Layouts) throws {
        let both = layouts.isSuperset(of: [.unifiedRuntimes, .unifiedAnalyses])
        for lab in world.labs {
            for backtest in lab.backtests {
                let name = "unified_cache/backtests/\(lab.id)_\(backtest.id).json"
                let asAnalysis = both ? backtest.index % 2 == 1 : layouts.contains(.unifiedAnalyses)
                if layouts.contains(.unifiedRuntimes) && !asAnalysis {
                    try files.write(name, runtimeData(lab: lab, backtest: backtest))
                } else if layouts.contains(.unifiedAnalyses) {
                    try files.write(name, analysis(lab: lab, backtest: backtest, withRuntime: true))
                }
                if layouts.contains(.unifiedSummaries) {
                    try files.write(
                        "unified_cache/backtests/\(serverName)_\(lab.id)_\(backtest.id).json",
                        summary(lab: lab, backtest: backtest))
                }
            }
        }
    }

    /// `asdict(BacktestAnalysis)`, whose numbers are pyHaasAPI's (max_drawdown from RM), plus `runtime_data`.
    private func analysis(lab: SimulatedWorld.Lab, backtest: SimulatedWorld.Backtest, withRuntime: Bool) -> [UInt8] {
        var writer = JSONWriter(capacity: 16_384)
        analysisObject(lab: lab, backtest: backtest, withRuntime: withRuntime, into: &writer)
        return writer.bytes
    }

    private func analysisObject(
        lab: SimulatedWorld.Lab, backtest: SimulatedWorld.Backtest, withRuntime: Bool, into writer: inout JSONWriter
    ) {
        let result = SimulatedResult(world: world, lab: lab, backtest: backtest)
        writer.object { out in
            out.field("backtest_id", backtest.id)
            out.field("lab_id", lab.id)
            out.field("generation_idx", int: Int64(backtest.generation))
            out.field("population_idx", int: Int64(backtest.population))
            out.field("market_tag", lab.market)
            out.field("script_id", lab.scriptID)
            out.field("script_name", lab.scriptName)
            out.field("roi_percentage", result.roi)
            out.field("calculated_roi_percentage", result.priceChange)
            out.field("win_rate", Double(result.winners.count) / Double(max(1, result.positions.count)))
            out.field("total_trades", int: Int64(result.positions.count))
            out.field("max_drawdown", result.roiMargin)
            out.field("realized_profits_usdt", result.realizedProfits)
            out.field("pc_value", result.priceChange)
            out.field("starting_balance", result.startBalance)
            if withRuntime {
                out.key("runtime_data")
                Payloads.runtime(
                    world: world, lab: lab, backtest: backtest, userID: world.configuration.email, into: &out)
            }
        }
    }

    /// v2's summary-only record.
    private func summary(lab: SimulatedWorld.Lab, backtest: SimulatedWorld.Backtest) -> [UInt8] {
        let result = SimulatedResult(world: world, lab: lab, backtest: backtest)
        var writer = JSONWriter()
        writer.object { out in
            out.field("lab_id", lab.id)
            out.field("backtest_id", backtest.id)
            out.field("roi", result.priceChange)
            out.field("roe", result.roi)
            out.field("win_rate", Double(result.winners.count) / Double(max(1, result.positions.count)))
            out.field("max_drawdown", 0.0)
            out.field("total_trades", int: Int64(result.positions.count))
            out.field("realized_profits_usdt", result.realizedProfits)
            out.field("starting_balance", result.startBalance)
            out.field("created_at", "2025-09-23T13:11:21.000000")
            out.field("updated_at", "2025-09-23T13:11:21.000000")
            out.field("status", "COMPLETED")
            out.field("leverage", lab.leverage)
            out.field("position_mode", int: lab.leverage > 1 ? 1 : 0)
            out.field("margin_mode", int: 0)
        }
        return writer.bytes
    }

    func writeReports(_ files: inout FileList) throws {
        let stamp = PyHaasCacheWriter.folderStamp
        for lab in world.labs {
            var rows = [PyHaasCacheWriter.reportColumns.joined(separator: ",")]
            for backtest in lab.backtests {
                let result = SimulatedResult(world: world, lab: lab, backtest: backtest)
                let values: [String] = [
                    lab.id, lab.name, String(lab.backtests.count), String(lab.backtests.count), backtest.id,
                    String(backtest.generation), String(backtest.population), lab.market, lab.scriptID,
                    lab.scriptName, String(result.roi), String(result.priceChange),
                    String(result.roi - result.priceChange),
                    String(result.winners.count), String(result.positions.count), String(result.roiMargin),
                    String(result.realizedProfits), String(result.priceChange), "", "", "", String(result.startBalance),
                    String(result.startBalance + result.realizedProfits), "", "2025-08-27T23:42:17",
                ]
                rows.append(values.map(PyHaasCacheWriter.csvField).joined(separator: ","))
            }
            try files.write(
                "unified_cache/reports/lab_analysis_\(lab.id)_\(stamp).csv",
                Array((rows.joined(separator: "\r\n") + "\r\n").utf8))
            var writer = JSONWriter()
            writer.object { out in
                out.field("lab_id", lab.id)
                out.field("lab_name", lab.name)
                out.field("total_backtests", int: Int64(lab.backtests.count))
                out.field("analyzed_backtests", int: Int64(min(10, lab.backtests.count)))
                out.field("processing_time", 1.25)
                out.key("top_backtests")
                out.array { out in
                    for backtest in lab.backtests.prefix(10) {
                        analysisObject(lab: lab, backtest: backtest, withRuntime: false, into: &out)
                    }
                }
                out.field("saved_at", "2025-08-27T23:42:17")
            }
            try files.write("unified_cache/reports/analysis_result_\(lab.id)_\(stamp).json", writer.bytes)
        }
    }

    static let reportColumns = [
        "Lab ID", "Lab Name", "Total Backtests", "Analyzed Backtests", "Backtest ID", "Generation", "Population",
        "Market", "Script ID", "Script Name", "Lab ROI %", "Calculated ROI %", "ROI Difference %", "Win Rate %",
        "Total Trades", "Max Drawdown %", "Realized Profits USDT", "PC Value", "Avg Profit/Trade", "Profit Factor",
        "Sharpe Ratio", "Starting Balance USDT", "Final Balance USDT", "Peak Balance USDT", "Analysis Timestamp",
    ]
}
