import BacktestMetrics
import Crypto
import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents
import SQLiteKit

extension CacheFileParser {
    // MARK: cache/lab_backtests_{lab}_{ts}/

    func detail(_ file: CacheFile, _ path: RecognisedPath, _ ids: inout FactIDs) throws(CacheFileProblem)
        -> ParsedCacheFile
    {
        let json = try CacheFileParser.object(file.bytes)
        let backtest = try agreeing(json, keys: ["backtest_id", "BID"], named: path.backtestID, what: "file name")
        let lab = try agreeing(json, keys: ["lab_id", "LID"], named: path.labID, what: "folder name")
        var parsed = ParsedCacheFile(kind: .labBacktestDetail, details: [("stamp", .optional(path.stamp))])
        parsed.facts.append(result(from: json, lab: lab, backtest: backtest, ids: &ids))
        if let runtime = json["runtime"] ?? json["RT"], runtime != .null {
            try addRuntime(
                runtime, pointer: json["runtime"] != nil ? "/runtime" : "/RT", file: file, lab: lab,
                backtest: backtest, to: &parsed, ids: &ids)
        }
        parsed.details.append(("has_runtime", .bool(!parsed.runtimes.isEmpty)))
        return parsed
    }

    /// `backtests_list.json`: a JSON array of pydantic repr strings. Only the top-level ids and indexes of
    /// each repr are read; the strings themselves stay in the file's blob.
    func list(_ file: CacheFile, _ path: RecognisedPath, _ ids: inout FactIDs) throws(CacheFileProblem)
        -> ParsedCacheFile
    {
        guard case .array(let elements) = try CacheFileParser.json(file.bytes) else {
            throw CacheFileProblem(nil, "expected a JSON array of repr strings")
        }
        var parsed = ParsedCacheFile(kind: .labBacktestList)
        var unparsed: [JSONValue] = []
        for (index, element) in elements.enumerated() {
            guard case .string(let text) = element else {
                throw CacheFileProblem("[\(index)]", "expected a repr string, found \(element.kindName)")
            }
            guard let pairs = PydanticRepr.pairs(text),
                case .string(let backtest)? = pairs.first(where: { $0.name == "backtest_id" })?.value
            else {
                unparsed.append(.number(index))
                continue
            }
            func value(_ name: String) -> PydanticRepr.Literal? { pairs.first { $0.name == name }?.value }
            var lab = path.labID ?? ""
            if case .string(let stated)? = value("lab_id") {
                if let folder = path.labID, folder != stated {
                    throw CacheFileProblem("[\(index)].lab_id", "is \(stated), but the folder is lab \(folder)")
                }
                lab = stated
            }
            var members: [(key: String, value: JSONValue)] = [
                ("lab_id", .string(lab)), ("backtest_id", .string(backtest)),
            ]
            for (name, key) in [
                ("record_id", "record_id"), ("generation_idx", "generation"), ("population_idx", "population"),
                ("status", "status"),
            ] {
                if case .integer(let number)? = value(name) { members.append((key, .number(number))) }
            }
            members.append(("repr_index", .number(index)))
            parsed.facts.append(resultObserved(backtest: backtest, members, ids: &ids))
        }
        parsed.details = [
            ("stamp", .optional(path.stamp)), ("elements", .number(elements.count)),
            ("elements_read", .number(parsed.facts.count)), ("elements_unread", .array(unparsed)),
        ]
        return parsed
    }
}
