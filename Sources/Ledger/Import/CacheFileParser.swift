import BacktestMetrics
import Crypto
import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents
import SQLiteKit

/// Reads each recognised kind (haas-api.md §5). Nothing here writes; a problem anywhere rejects the whole file.
struct CacheFileParser: Sendable {
    let serverLabel: String?
    /// The formulas each runtime's metrics are computed under.
    let formulas: [FormulaSet]
    /// `cache.db` indexes already read, by directory, for the pickles' MD5 check.
    var indexes: [String: Result<[CacheIndexEntry], CacheFileProblem>] = [:]

    init(serverLabel: String?, formulas: [FormulaSet]) {
        self.serverLabel = serverLabel
        self.formulas = formulas
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

    func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }
}
