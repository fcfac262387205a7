import BacktestMetrics
import EventLog
import Foundation
import HaasAPI
import JSON

@testable import Ledger

/// The inputs a user hands the ledger from outside, each read the way the command that takes it reads it.
/// Every one may refuse its input with an error; none may crash, hang or read out of bounds.
enum FuzzTarget: String, CaseIterable {
    case ndjson, runtime, json, pydantic, csv
    case labDetail = "lab-detail", labList = "lab-list", labAnalytics = "lab-analytics"
    case unified, reportJSON = "report-json", reportCSV = "report-csv"
    case cutoffs, cutoffsBackup = "cutoffs-backup", pickle, cacheIndex = "cache-index"
    case storedRecord = "stored-record"

    /// Where a file of this kind sits in a pyHaasAPI cache tree: the importer knows a kind by its path.
    private var cachePath: String? {
        let lab = "lab_backtests_60c5cd7e-a825-0570-1608-f85501fca5f2_20250827_234217"
        let unified = "60c5cd7e-a825-0570-1608-f85501fca5f2"
        return switch self {
        case .labDetail: "/fuzz/cache/\(lab)/backtest_details/00cd5132-87ee-7933-c189-81447977e56d.json"
        case .labList: "/fuzz/cache/\(lab)/backtests_list.json"
        case .labAnalytics: "/fuzz/cache/\(lab)/backtests_analytics.csv"
        case .unified: "/fuzz/unified_cache/backtests/srv01_\(unified)_00cd5132-87ee-7933-c189-81447977e56d.json"
        case .reportJSON: "/fuzz/unified_cache/reports/analysis_result_\(unified)_20250827_234217.json"
        case .reportCSV: "/fuzz/unified_cache/reports/lab_analysis_\(unified)_20250827_234217.csv"
        case .cutoffs: "/fuzz/data/history_cutoffs.json"
        case .cutoffsBackup: "/fuzz/data/backups/history_cutoffs_backup_20250812_100000.json"
        case .pickle: "/fuzz/backtest_cache/57cb31e69a894cf38846d2114eeab1fb.pkl"
        case .ndjson, .runtime, .json, .pydantic, .csv, .cacheIndex, .storedRecord: nil
        }
    }

    private static let parser = CacheFileParser(serverLabel: nil, formulas: [FormulaSet.canonicalV2])

    /// The index is a SQLite file, read by path: each input is written to this one (`tools/fuzz` points TMPDIR at
    /// its own scratch folder, which it removes; a run over named files removes it itself).
    private static let indexPath = NSTemporaryDirectory() + "/haasledger-fuzz-\(getpid())-cache.db"

    /// Removes the files the targets wrote.
    static func removeScratch() {
        try? FileManager.default.removeItem(atPath: indexPath)
        StoredRecordTarget.removeScratch()
    }

    func run(_ bytes: [UInt8]) {
        switch self {
        case .ndjson:
            _ = try? NDJSONEventReader.draftAndID(from: bytes, defaultSource: "fuzz", generateIDs: false)
        case .runtime:
            _ = try? RuntimeDecoder.decode(bytes)
        case .json:
            // Beyond not crashing: the canonical form is a fixed point, and what the in-place check accepts as
            // canonical (it may turn canonical text down, never the reverse) is stored as it is.
            guard let canonical = try? CanonicalJSON.canonicalize(bytes) else { return }
            precondition((try? CanonicalJSON.canonicalize(canonical)) == canonical, "the canonical form changed")
            if bytes.withUnsafeBufferPointer({ CanonicalJSON.isCanonical($0) }) {
                precondition(canonical == bytes, "the check accepted text that is not canonical")
            }
        case .pydantic:
            _ = PydanticRepr.pairs(String(decoding: bytes, as: UTF8.self))
        case .csv:
            _ = try? CSVReader.records(bytes)
        case .storedRecord:
            StoredRecordTarget.run(bytes)
        case .cacheIndex:
            _ = FileManager.default.createFile(atPath: Self.indexPath, contents: Data(bytes))
            _ = try? CacheFileParser.readIndex(path: Self.indexPath)
        case .labDetail, .labList, .labAnalytics, .unified, .reportJSON, .reportCSV, .cutoffs, .cutoffsBackup, .pickle:
            let path = cachePath!
            guard let recognised = RecognisedPath.recognise(path) else { fatalError("\(path) is not recognised") }
            let file = CacheFile(path: path, bytes: bytes, modifiedAt: 0, blob: Blob(bytes))
            var parser = Self.parser
            _ = try? parser.parse(file, as: recognised)
        }
    }
}
