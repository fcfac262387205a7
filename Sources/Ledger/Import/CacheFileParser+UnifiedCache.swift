import BacktestMetrics
import Crypto
import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents
import SQLiteKit

extension CacheFileParser {
    // MARK: unified_cache/backtests/

    func unified(_ file: CacheFile, _ path: RecognisedPath, _ ids: inout FactIDs) throws(CacheFileProblem)
        -> ParsedCacheFile
    {
        guard let namedLab = path.labID, let namedBacktest = path.backtestID else {
            throw CacheFileProblem(
                nil, "the file name is neither {lab}_{backtest}.json nor {server}_{lab}_{backtest}.json")
        }
        let naming: [(key: String, value: JSONValue)] = [
            ("lab_id", .string(namedLab)), ("backtest_id", .string(namedBacktest)), ("server", .optional(path.server)),
        ]
        func shapeA(_ runtime: BacktestRuntime) throws(CacheFileProblem) -> ParsedCacheFile {
            if let bot = runtime.botID, !bot.isEmpty, bot != namedBacktest {
                throw CacheFileProblem("BotId", "is \(bot), but the file name says backtest \(namedBacktest)")
            }
            var parsed = ParsedCacheFile(kind: .unifiedRuntime, details: naming + [("shape", .string("A"))])
            addRuntime(
                runtime, blob: file.blob, pointer: "", file: file, lab: namedLab, backtest: namedBacktest, to: &parsed,
                ids: &ids)
            return parsed
        }
        // Shape A is most of a real cache: one RuntimeDecoder pass reads the shape and the runtime together.
        // Anything that pass cannot read goes the general way below, which also words the errors.
        if let document = try? RuntimeDecoder.decode(file.bytes), document.hasReports, let runtime = document.runtime {
            return try shapeA(runtime)
        }
        let json = try CacheFileParser.object(file.bytes)
        if json["Reports"] != nil {
            return try shapeA(try CacheFileParser.decodeRuntime(file.blob, pointer: ""))
        }
        let backtest = try agreeing(json, keys: ["backtest_id"], named: namedBacktest, what: "file name")
        let lab = try agreeing(json, keys: ["lab_id"], named: namedLab, what: "file name")
        if let runtime = json["runtime_data"] {
            var parsed = ParsedCacheFile(kind: .unifiedAnalysis, details: naming + [("shape", .string("B"))])
            parsed.facts.append(result(from: json, lab: lab, backtest: backtest, ids: &ids))
            if runtime != .null {
                try addRuntime(
                    runtime, pointer: "/runtime_data", file: file, lab: lab, backtest: backtest, to: &parsed, ids: &ids)
            }
            return parsed
        }
        if json["backtest_id"] != nil {
            // v2 kept only pyHaasAPI's summary numbers: recorded as the result's summary, under its origin.
            var summary = json
            if case .object(let members) = json {
                summary = .object(members.filter { $0.key != "lab_id" && $0.key != "backtest_id" })
            }
            let members: [(key: String, value: JSONValue)] = [
                ("lab_id", .string(lab)), ("backtest_id", .string(backtest)), ("summary", summary),
                ("summary_origin", .string("pyHaasAPI v2 download_cli summary")),
                ("server", .optional(path.server ?? serverLabel)),
            ]
            var parsed = ParsedCacheFile(kind: .unifiedSummary, details: naming + [("shape", .string("v2"))])
            parsed.facts.append(resultObserved(backtest: backtest, members, ids: &ids))
            return parsed
        }
        throw CacheFileProblem(
            nil, "not a runtime (no Reports), an analysis (no runtime_data) or a v2 summary (no backtest_id)")
    }
}
