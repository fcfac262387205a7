import BacktestMetrics
import Crypto
import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents
import SQLiteKit

/// A cache file as read from disk.
struct CacheFile: Sendable {
    /// Absolute path.
    let path: String
    let bytes: [UInt8]
    /// Modification time, microseconds since the epoch.
    let modifiedAt: Int64
    let blob: Blob
    var sha256: String { blob.hash.hex }
}

/// What one cache file holds, ready to record: the facts become the same domain events a fetch produces.
struct ParsedCacheFile: Sendable {
    var kind: CacheFileKind
    /// Members of the `cache.file.imported` payload that describe what the file held.
    var details: [(key: String, value: JSONValue)] = []
    /// Domain events, ids already derived from the file's hash.
    var facts: [EventDraft] = []
    /// The runtimes among `facts` (by index), decoded once, with the default formula's `metrics.computed`
    /// payload computed where the file was parsed (the events are built once the runtimes have positions).
    var runtimes: [ImportedRuntime] = []
}

struct ImportedRuntime: Sendable {
    let factIndex: Int
    let backtest: String
    let metrics: Payload
}

/// Why a file cannot be imported; `field` names where in the file, when known.
struct CacheFileProblem: Error, CustomStringConvertible, Sendable {
    let field: String?
    let reason: String
    init(_ field: String?, _ reason: String) {
        self.field = field
        self.reason = reason
    }
    var description: String { field.map { "\($0): \(reason)" } ?? reason }
}

/// Reads each recognised kind (haas-api.md §5). Nothing here writes; a problem anywhere rejects the whole file.
struct CacheFileParser: Sendable {
    let serverLabel: String?
    /// `cache.db` indexes already read, by directory, for the pickles' MD5 check.
    private var indexes: [String: Result<[CacheIndexEntry], CacheFileProblem>] = [:]

    init(serverLabel: String?) {
        self.serverLabel = serverLabel
    }

    /// Pickles are checked against their folder's `cache.db`; those two kinds are read in order, here.
    static func readsSiblings(_ kind: CacheFileKind) -> Bool {
        kind == .backtestCacheIndex || kind == .backtestCachePickle
    }

    mutating func parse(_ file: CacheFile, as path: RecognisedPath) throws(CacheFileProblem) -> ParsedCacheFile {
        switch path.kind {
        case .backtestCacheIndex:
            // A pickle earlier in the folder may have read this index already.
            let folder = directory(of: file.path)
            let entries: [CacheIndexEntry]
            if case .success(let read)? = indexes[folder] {
                entries = read
            } else {
                entries = try CacheFileParser.readIndex(path: file.path)
                indexes[folder] = .success(entries)
            }
            return ParsedCacheFile(
                kind: .backtestCacheIndex,
                details: [("entries", .array(entries.map(\.json))), ("entry_count", .number(entries.count))])
        case .backtestCachePickle: return pickle(file)
        default: return try parseAlone(file, as: path)
        }
    }

    /// Every kind that needs no other file; safe to run on several threads at once.
    func parseAlone(_ file: CacheFile, as path: RecognisedPath) throws(CacheFileProblem) -> ParsedCacheFile {
        var ids = FactIDs(sha256: file.sha256)
        switch path.kind {
        case .labBacktestDetail: return try detail(file, path, &ids)
        case .labBacktestList: return try list(file, path, &ids)
        case .labBacktestAnalytics, .unifiedReport: return try report(file, kind: path.kind)
        case .unifiedBacktest, .unifiedRuntime, .unifiedAnalysis, .unifiedSummary: return try unified(file, path, &ids)
        case .historyCutoffs, .historyCutoffsBackup: return try cutoffs(file, kind: path.kind, &ids)
        case .backtestCacheIndex, .backtestCachePickle:
            throw CacheFileProblem(nil, "\(path.kind.rawValue) files are read in order with their cache.db")
        }
    }

    // MARK: cache/lab_backtests_{lab}_{ts}/

    private func detail(_ file: CacheFile, _ path: RecognisedPath, _ ids: inout FactIDs) throws(CacheFileProblem)
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
    private func list(_ file: CacheFile, _ path: RecognisedPath, _ ids: inout FactIDs) throws(CacheFileProblem)
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

    // MARK: derived reports

    private func report(_ file: CacheFile, kind: CacheFileKind) throws(CacheFileProblem) -> ParsedCacheFile {
        var details: [(key: String, value: JSONValue)] = [("derived", .bool(true)), ("trusted", .bool(false))]
        if file.path.hasSuffix(".csv") {
            let records: [[String]]
            do { records = try CSVReader.records(file.bytes) } catch {
                throw CacheFileProblem(nil, String(describing: error))
            }
            guard let header = records.first, !header.isEmpty, header != [""] else {
                throw CacheFileProblem(nil, "empty CSV: no header row")
            }
            for (index, record) in records.enumerated().dropFirst() where record.count != header.count {
                throw CacheFileProblem(
                    "row \(index + 1)", "has \(record.count) fields, the header has \(header.count)")
            }
            details += [("columns", .array(header.map(JSONValue.string))), ("rows", .number(records.count - 1))]
            if kind == .labBacktestAnalytics {
                details.append(
                    (
                        "known_defects",
                        .array([
                            .string("max_drawdown holds RM, the ROI margin, not a drawdown"),
                            .string("generation and population are empty"),
                        ])
                    ))
            }
        } else {
            let json = try CacheFileParser.json(file.bytes)
            guard case .object(let members) = json else {
                throw CacheFileProblem(nil, "expected a JSON object, found \(json.kindName)")
            }
            details.append(("keys", .array(members.map { .string($0.key) })))
        }
        return ParsedCacheFile(kind: kind, details: details)
    }

    // MARK: unified_cache/backtests/

    private func unified(_ file: CacheFile, _ path: RecognisedPath, _ ids: inout FactIDs) throws(CacheFileProblem)
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
        // Shape A is most of a real cache: one RuntimeReader pass reads the shape and the runtime together.
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

    // MARK: shared facts

    /// A `haas.backtest.result.observed` with only the members the file states: an absent member is unknown,
    /// and the read models keep what they knew.
    private func result(from json: JSONValue, lab: String, backtest: String, ids: inout FactIDs) -> EventDraft {
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

    private func resultObserved(backtest: String, _ members: [(key: String, value: JSONValue)], ids: inout FactIDs)
        -> EventDraft
    {
        EventDraft(
                .resultObserved, id: ids.next(), stream: RecorderStreams.backtest(backtest), payload: Payload(.object(members)))
    }

    /// A runtime becomes `haas.backtest.runtime.fetched`, as a fetched one does. A runtime nested in a larger
    /// file is stored as its own blob (canonical JSON of the subtree) so the metrics engine can read it back;
    /// `imported_from` says which file and where.
    private func addRuntime(
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

    private func addRuntime(
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
                metrics: MetricsPayloads.payload(
                    formula: FormulaRegistry.defaultSet, runtime: decoded, lab: lab, backtest: backtest)))
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
    private func agreeing(_ json: JSONValue, keys: [String], named: String?, what: String) throws(CacheFileProblem)
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

    // MARK: backtest_cache/

    struct CacheIndexEntry: Sendable {
        let key: String
        let dataType: String?
        let createdAt: String?
        let expiresAt: String?
        let filePath: String?
        let dataHash: String?

        var json: JSONValue {
            .object([
                ("key", .string(key)), ("data_type", .optional(dataType)), ("created_at", .optional(createdAt)),
                ("expires_at", .optional(expiresAt)), ("file_path", .optional(filePath)),
                ("data_hash", .optional(dataHash)),
            ])
        }
    }

    static func readIndex(path: String) throws(CacheFileProblem) -> [CacheIndexEntry] {
        do {
            let db = try SQLiteConnection(path: path, mode: .readOnly)
            let statement = try db.prepare(
                "SELECT key, data_type, created_at, expires_at, file_path, data_hash FROM cache_entries ORDER BY key")
            var entries: [CacheIndexEntry] = []
            while try statement.step() {
                entries.append(
                    CacheIndexEntry(
                        key: statement.string(0) ?? "", dataType: statement.string(1), createdAt: statement.string(2),
                        expiresAt: statement.string(3), filePath: statement.string(4), dataHash: statement.string(5)))
            }
            return entries
        } catch {
            throw CacheFileProblem("cache_entries", "not a readable pyHaasAPI cache index (\(error.message))")
        }
    }

    /// Records the pickle's MD5 against `cache.db`'s `data_hash`. The pickle is never unpickled: loading one
    /// runs arbitrary code.
    private mutating func pickle(_ file: CacheFile) -> ParsedCacheFile {
        let md5 = Insecure.MD5.hash(data: file.bytes).map { String(format: "%02x", $0) }.joined()
        let folder = directory(of: file.path)
        let name = String(file.path.split(separator: "/").last ?? "")
        if indexes[folder] == nil {
            let index = folder + "/cache.db"
            indexes[folder] =
                FileManager.default.fileExists(atPath: index)
                ? Result { () throws(CacheFileProblem) in try CacheFileParser.readIndex(path: index) } : .success([])
        }
        var details: [(key: String, value: JSONValue)] = [
            ("md5", .string(md5)), ("unpickled", .bool(false)),
            ("pickle_protocol", file.bytes.count >= 2 && file.bytes[0] == 0x80 ? .number(Int(file.bytes[1])) : .null),
        ]
        switch indexes[folder] {
        case .failure(let problem)?:
            details += [("md5_check", .string("index_unreadable")), ("index_problem", .string(problem.description))]
        case .success(let entries)?:
            let stem = name.hasSuffix(".pkl") ? String(name.dropLast(4)) : name
            if let entry = entries.first(where: {
                $0.filePath.map { $0.split(separator: "/").last.map(String.init) == name } ?? false
            })
                ?? entries.first(where: { $0.key == stem })
            {
                details += [
                    ("md5_check", .string(entry.dataHash?.lowercased() == md5 ? "match" : "mismatch")),
                    ("index_entry", entry.json),
                ]
            } else {
                details.append(("md5_check", .string(entries.isEmpty ? "no_index" : "not_in_index")))
            }
        case nil:
            details.append(("md5_check", .string("no_index")))
        }
        return ParsedCacheFile(kind: .backtestCachePickle, details: details)
    }

    // MARK: data/history_cutoffs

    /// Each market's cutoff becomes `history.cutoff.recorded`, method `imported`. Its id derives from the
    /// market and dates, so the same record found in a backup and in the live file is recorded once.
    private func cutoffs(_ file: CacheFile, kind: CacheFileKind, _ ids: inout FactIDs) throws(CacheFileProblem)
        -> ParsedCacheFile
    {
        let json = try CacheFileParser.object(file.bytes)
        guard case .object(let markets)? = json["cutoffs"] else {
            throw CacheFileProblem("cutoffs", json["cutoffs"] == nil ? "missing" : "expected an object")
        }
        var parsed = ParsedCacheFile(
            kind: kind,
            details: [
                ("version", json["version"] ?? .null), ("created", json["created"] ?? .null),
                ("last_updated", json["last_updated"] ?? .null), ("markets", .number(markets.count)),
            ])
        for (market, entry) in markets {
            guard case .object = entry else {
                throw CacheFileProblem("cutoffs.\(market)", "expected an object, found \(entry.kindName)")
            }
            guard case .string(let cutoff)? = entry["cutoff_date"], let cutoffAt = Timestamp.parse(cutoff) else {
                throw CacheFileProblem("cutoffs.\(market).cutoff_date", "missing or not an ISO-8601 date")
            }
            let discovered = entry["discovery_date"]?.stringValue
            let metadata = entry["discovery_metadata"]
            let members: [(key: String, value: JSONValue)] = [
                ("market", .string(market)), ("cutoff", .string(cutoff)), ("cutoff_at", .number(cutoffAt)),
                ("method", .string("imported")),
                ("discovery_method", metadata?["discovery_method"] ?? .null),
                ("precision_hours", entry["precision_hours"] ?? .null),
                ("discovery_date", .optional(discovered)),
                ("tests_performed", metadata?["tests_performed"] ?? .null),
                ("simulated", .bool(true)),
                (
                    "note",
                    .string(
                        "pyHaasAPI's cutoff discovery tested availability against hard-coded dates (haas-api.md §2.7): not measured on a server"
                    )
                ),
            ]
            parsed.facts.append(
                EventDraft(
                .cutoffRecorded, id: EventID.derived(
                        from: "history.cutoff.recorded|imported|\(market)|\(cutoff)|\(discovered ?? "")"),
                    stream: RecorderStreams.market(market), payload: Payload(.object(members)),
                    observedAt: discovered.flatMap(Timestamp.parse)))
        }
        return parsed
    }

    // MARK: helpers

    static func json(_ bytes: [UInt8]) throws(CacheFileProblem) -> JSONValue {
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw CacheFileProblem(nil, "not valid JSON: \(error)")
        }
    }

    static func object(_ bytes: [UInt8]) throws(CacheFileProblem) -> JSONValue {
        let json = try json(bytes)
        guard case .object = json else { throw CacheFileProblem(nil, "expected a JSON object, found \(json.kindName)") }
        return json
    }

    private func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }
}

/// Ids of a file's facts, derived from its content hash: importing the same bytes again appends nothing new.
struct FactIDs {
    let sha256: String
    private var ordinal = 0

    init(sha256: String) { self.sha256 = sha256 }

    mutating func next() -> EventID {
        ordinal += 1
        return EventID.derived(from: "import|\(sha256)|\(ordinal)")
    }
}
