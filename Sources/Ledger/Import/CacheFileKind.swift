/// The pyHaasAPI cache files the importer recognises (haas-api.md §5), named after where they live.
public enum CacheFileKind: String, CaseIterable, Sendable, Comparable {
    /// `cache/lab_backtests_{lab}_{ts}/backtest_details/{backtest}.json`: a result, with its runtime when present.
    case labBacktestDetail = "lab_backtests.detail"
    /// `cache/lab_backtests_{lab}_{ts}/backtests_list.json`: pydantic repr strings.
    case labBacktestList = "lab_backtests.list"
    /// `cache/lab_backtests_{lab}_{ts}/backtests_analytics.csv`: pyHaasAPI's report (derived, RM as drawdown).
    case labBacktestAnalytics = "lab_backtests.analytics_csv"
    /// `unified_cache/backtests/*.json` before its content says which shape it is.
    case unifiedBacktest = "unified_cache.backtest"
    /// Shape A: the runtime `Data` as the server sent it.
    case unifiedRuntime = "unified_cache.runtime"
    /// Shape B: `asdict(BacktestAnalysis)` plus `runtime_data`.
    case unifiedAnalysis = "unified_cache.analysis"
    /// v2: `{server}_{lab}_{backtest}.json`, summary fields only.
    case unifiedSummary = "unified_cache.summary_v2"
    /// `unified_cache/reports/*.csv|json`: derived reports.
    case unifiedReport = "unified_cache.report"
    /// `backtest_cache/cache.db`: the `cache_entries` index.
    case backtestCacheIndex = "backtest_cache.index"
    /// `backtest_cache/*.pkl`: pickles, kept verbatim and never unpickled.
    case backtestCachePickle = "backtest_cache.pickle"
    /// `data/history_cutoffs.json`.
    case historyCutoffs = "history_cutoffs"
    /// `data/backups/history_cutoffs_backup_{ts}.json`.
    case historyCutoffsBackup = "history_cutoffs.backup"

    public static func < (lhs: CacheFileKind, rhs: CacheFileKind) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Reports computed by pyHaasAPI: recorded as files, never read as facts.
    public var isDerivedReport: Bool { self == .labBacktestAnalytics || self == .unifiedReport }
}

/// A file's kind and the ids its path states, as read from the path alone.
struct RecognisedPath: Equatable, Sendable {
    let kind: CacheFileKind
    /// The lab of a `lab_backtests_{lab}_{ts}` folder or of a unified file name.
    var labID: String?
    var backtestID: String?
    /// v2's `{server}` file-name prefix.
    var server: String?
    /// The `{YYYYmmdd_HHMMSS}` stamp of a folder or backup name, verbatim (pyHaasAPI wrote local time).
    var stamp: String?

    /// Recognises a path by its last three components. Nothing is read from the file.
    static func recognise(_ path: String) -> RecognisedPath? {
        let parts = split(path, at: UInt8(ascii: "/"), keepingEmpty: false)
        guard let name = parts.last else { return nil }
        let parent = parts.count >= 2 ? parts[parts.count - 2] : ""
        let grandparent = parts.count >= 3 ? parts[parts.count - 3] : ""
        if parent == "backtest_details", name.hasSuffix(".json"), let folder = labFolder(grandparent) {
            return RecognisedPath(
                kind: .labBacktestDetail, labID: folder.lab, backtestID: String(name.dropLast(5)), stamp: folder.stamp)
        }
        if let folder = labFolder(parent) {
            if name == "backtests_list.json" {
                return RecognisedPath(kind: .labBacktestList, labID: folder.lab, stamp: folder.stamp)
            }
            if name == "backtests_analytics.csv" {
                return RecognisedPath(kind: .labBacktestAnalytics, labID: folder.lab, stamp: folder.stamp)
            }
        }
        if grandparent == "unified_cache" && parent == "backtests" && name.hasSuffix(".json") {
            return unifiedBacktest(stem: String(name.dropLast(5)))
        }
        if grandparent == "unified_cache" && parent == "reports" && (name.hasSuffix(".csv") || name.hasSuffix(".json"))
        {
            return RecognisedPath(kind: .unifiedReport)
        }
        if parent == "backtest_cache" {
            if name == "cache.db" { return RecognisedPath(kind: .backtestCacheIndex) }
            if name.hasSuffix(".pkl") { return RecognisedPath(kind: .backtestCachePickle) }
        }
        if name == "history_cutoffs.json" { return RecognisedPath(kind: .historyCutoffs) }
        let backupPrefix = "history_cutoffs_backup_"
        if name.hasPrefix(backupPrefix), name.hasSuffix(".json") {
            let stamp = String(name.dropFirst(backupPrefix.count).dropLast(5))
            if isStamp(stamp) { return RecognisedPath(kind: .historyCutoffsBackup, stamp: stamp) }
        }
        return nil
    }

    /// `text` split at every `separator` byte, empty parts kept or not. Over the UTF-8 bytes: an import
    /// recognises every file a walk finds, and splitting by characters looked at every grapheme of each path.
    private static func split(_ text: String, at separator: UInt8, keepingEmpty: Bool) -> [String] {
        var text = text
        return text.withUTF8 { bytes in
            var parts: [String] = []
            var start = 0
            for offset in 0...bytes.count where offset == bytes.count || bytes[offset] == separator {
                if keepingEmpty || offset > start {
                    parts.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self))
                }
                start = offset + 1
            }
            return parts
        }
    }

    /// `lab_backtests_{lab}_{YYYYmmdd_HHMMSS}`: the lab is whatever lies between the prefix and the stamp.
    static func labFolder(_ name: String) -> (lab: String, stamp: String)? {
        let prefix = "lab_backtests_"
        guard name.hasPrefix(prefix), name.count > prefix.count + 16 else { return nil }
        let rest = name.dropFirst(prefix.count)
        let stamp = String(rest.suffix(15))
        let lab = rest.dropLast(16)
        guard rest.dropLast(15).last == "_", isStamp(stamp), !lab.isEmpty else { return nil }
        return (String(lab), stamp)
    }

    /// `{lab}_{backtest}` (v1) or `{server}_{lab}_{backtest}` (v2). Ids never contain `_` (they are UUIDs),
    /// so the ids are split off the right-hand end and whatever remains is the server name, which may
    /// itself contain underscores. pyHaasAPI's `split('_')[0]` took v2's server for the lab.
    static func unifiedBacktest(stem: String) -> RecognisedPath {
        var parts = split(stem, at: UInt8(ascii: "_"), keepingEmpty: true)
        var result = RecognisedPath(kind: .unifiedBacktest)
        guard parts.count >= 2, !parts.contains(where: \.isEmpty) else { return result }
        result.backtestID = parts.removeLast()
        result.labID = parts.removeLast()
        if !parts.isEmpty { result.server = parts.joined(separator: "_") }
        return result
    }

    static func isStamp(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 15, bytes[8] == UInt8(ascii: "_") else { return false }
        return bytes.enumerated().allSatisfy {
            $0.offset == 8 || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0.element)
        }
    }
}
