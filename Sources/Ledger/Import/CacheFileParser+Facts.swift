import BacktestMetrics
import Crypto
import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents
import SQLiteKit

extension CacheFileParser {
    // MARK: shared facts

    /// A `haas.backtest.result.observed` with only the members the file states: an absent member is unknown,
    /// and the read models keep what they knew.
    func result(from json: JSONValue, lab: String, backtest: String, ids: inout FactIDs) -> EventDraft {
        var members: [(key: String, value: JSONValue)] = [("lab_id", .string(lab)), ("backtest_id", .string(backtest))]
        let fields: [(keys: [String], name: String)] = [
            (["record_id", "RID"], "record_id"), (["generation_idx", "NG"], "generation"),
            (["population_idx", "NP"], "population"), (["status", "ST"], "status"),
            (["parameters", "P"], "parameters"),
            (["settings", "SE"], "settings"), (["summary", "S"], "summary"),
        ]
        for field in fields {
            if let value = field.keys.lazy.compactMap({ json[$0] }).first, value != .null {
                members.append((field.name, value))
            }
        }
        return resultObserved(backtest: backtest, members, ids: &ids)
    }

    func resultObserved(backtest: String, _ members: [(key: String, value: JSONValue)], ids: inout FactIDs)
        -> EventDraft
    {
        EventDraft(
                .resultObserved, id: ids.next(), stream: RecorderStreams.backtest(backtest), payload: Payload(.object(members)))
    }

    /// A runtime becomes `haas.backtest.runtime.fetched`, as a fetched one does. A runtime nested in a larger
    /// file is stored as its own blob (canonical JSON of the subtree) so the metrics engine can read it back;
    /// `imported_from` says which file and where.
    func addRuntime(
        _ runtime: JSONValue, pointer: String, file: CacheFile, lab: String, backtest: String,
        to parsed: inout ParsedCacheFile, ids: inout FactIDs
    ) throws(CacheFileProblem) {
        guard case .object = runtime else {
            throw CacheFileProblem(
                pointer.isEmpty ? nil : String(pointer.dropFirst()),
                "expected a runtime object, found \(runtime.kindName)")
        }
        let blob = pointer.isEmpty ? file.blob : Blob(CanonicalJSON.encode(runtime))
        let decoded = try CacheFileParser.decodeRuntime(blob, pointer: pointer)
        addRuntime(
            decoded, blob: blob, pointer: pointer, file: file, lab: lab, backtest: backtest, to: &parsed, ids: &ids)
    }

    func addRuntime(
        _ decoded: BacktestRuntime, blob: Blob, pointer: String, file: CacheFile, lab: String, backtest: String,
        to parsed: inout ParsedCacheFile, ids: inout FactIDs
    ) {
        var draft = FetchPayloads.runtime(
            decoded, lab: lab, backtest: backtest, bodyHash: blob.hash.hex,
            extra: [
                (
                    "imported_from",
                    .object([("sha256", .string(file.sha256)), ("json_pointer", .string(pointer))])
                ),
                ("server", .optional(serverLabel)),
            ])
        draft.id = ids.next()
        if !pointer.isEmpty { draft.blobs = [blob] }
        parsed.runtimes.append(
            ImportedRuntime(
                factIndex: parsed.facts.count, backtest: backtest,
                metrics: formulas.map { formula in
                    (
                        formula.name,
                        MetricsPayloads.payload(formula: formula, runtime: decoded, lab: lab, backtest: backtest)
                    )
                }))
        parsed.facts.append(draft)
    }

    static func decodeRuntime(_ blob: Blob, pointer: String) throws(CacheFileProblem) -> BacktestRuntime {
        do {
            return try RuntimeDecoder.runtime(blob.bytes)
        } catch {
            let field = [pointer.isEmpty ? "runtime" : String(pointer.dropFirst()), error.path]
                .filter { !$0.isEmpty }.joined(separator: ".")
            throw CacheFileProblem(field, error.underlying.description)
        }
    }

    /// The id a file states under one of `keys`, which must agree with the one its name states.
    func agreeing(_ json: JSONValue, keys: [String], named: String?, what: String) throws(CacheFileProblem)
        -> String
    {
        let key = keys.first { json[$0] != nil }
        let stated = key.flatMap { json[$0] }
        if let stated, stated != .null {
            guard case .string(let text) = stated, !text.isEmpty else {
                throw CacheFileProblem(key, "expected an id string, found \(stated.kindName)")
            }
            if let named, named != text {
                throw CacheFileProblem(key, "is \(text), but the \(what) says \(named)")
            }
            return text
        }
        guard let named else { throw CacheFileProblem(keys[0], "missing, and the \(what) does not say it either") }
        return named
    }
}
