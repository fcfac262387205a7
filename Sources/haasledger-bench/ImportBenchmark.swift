// `import`: a generated pyHaasAPI cache.
import BacktestMetrics
import EventLog
import Foundation
import HaasAPI
import HaasSimulator
import JSON
import Ledger
import Projections

#if canImport(Glibc)
    import Glibc
#endif

/// `import`: a generated `unified_cache/backtests/` of `count` raw runtimes (shape A), imported three times,
/// each into a fresh ledger, with the default formula's metrics; reading and hashing the same files is the
/// floor it is compared with.
func importBenchmark(work: String, count: Int) throws {
    let labs = max(1, count / 1_000)
    let world = SimulatedWorld(
        configuration: SimulatorConfiguration(seed: 606, labs: labs, backtestsPerLab: count / labs))
    let cache = work + "/pyhaasapi"
    let files = try PyHaasCacheWriter(world: world).write(to: cache, layouts: .unifiedRuntimes)
    // The cache on disk before anything is timed, as a user's cache is: otherwise the kernel writes the
    // new files back while the floor and the import run, and takes the disk and a core from them.
    sync()
    let floorStart = monotonicSeconds()
    var bytes = 0
    for path in files {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes += data.count
        _ = SHA256Hash.of(Array(data))
    }
    let floorSeconds = monotonicSeconds() - floorStart
    let location = LedgerLocation(root: work + "/import-ledger")
    // Three imports, each into a new ledger, and the middle one reported: one run on two cores varies by
    // several per cent with what else the machine does. The last ledger is kept for the storage figures.
    var runs: [ImportSummary] = []
    for run in 0..<importRuns {
        if run > 0 { try FileManager.default.removeItem(atPath: location.root) }
        let summary = try ImportService(location: location).run(ImportRequest(paths: [cache], workingDirectory: work))
        guard summary.imported == files.count, summary.failed == 0, summary.metricsComputed == files.count else {
            fail(
                "imported \(summary.imported) of \(files.count) files, \(summary.metricsComputed) metrics, \(summary.failed) failed"
            )
        }
        runs.append(summary)
    }
    let ranked = runs.sorted { $0.seconds < $1.seconds }
    let summary = ranked[ranked.count / 2]
    let storage = try storageFigures(location, floorSeconds: floorSeconds)
    let plain = try plainRecordFigures(location, work: work)
    try FileManager.default.removeItem(atPath: location.root)
    try FileManager.default.removeItem(atPath: cache)
    let rate = Double(summary.runtimes) / summary.seconds
    print(
        "import: a generated unified_cache of \(grouped(Double(files.count))) raw runtimes (\(String(format: "%.1f", Double(bytes) / 1e6)) MB), with \(FormulaRegistry.defaultName) metrics"
    )
    print(row("", "per second", ""))
    print(
        row(
            "runtimes imported (file + runtime + metrics events)", grouped(rate),
            String(
                format: "(goal ≥ 6,000/s: %@; median of %d, %@–%@)", rate >= 6_000 ? "met" : "NOT met", importRuns,
                grouped(Double(summary.runtimes) / ranked.last!.seconds),
                grouped(Double(summary.runtimes) / ranked[0].seconds))))
    print(row("MB imported", String(format: "%.1f", Double(bytes) / summary.seconds / 1e6), ""))
    print(
        row(
            "floor: read + SHA-256 of the same files", grouped(Double(files.count) / floorSeconds),
            String(format: "import = %.2f× the floor", floorSeconds / summary.seconds)))
    print("\(summary.events) events, \(String(format: "%.2f", summary.seconds)) s")
    let megabytes = { (bytes: Int64) in String(format: "%.1f MB", Double(bytes) / 1e6) }
    let ledgerRatio = Double(storage.ledgerBytes) / Double(bytes)
    print(row("", "size", ""))
    print(row("the raw JSON files (the baseline)", megabytes(Int64(bytes)), ""))
    print(
        row(
            "the ledger folder (log + read models)", megabytes(storage.ledgerBytes),
            String(format: "= %.2f× the JSON (goal ≤ 0.3×: %@)", ledgerRatio, ledgerRatio <= 0.3 ? "met" : "NOT met")))
    print(
        row(
            "of which the blob store (zstd, \(storage.dictionaries) dictionary)",
            megabytes(storage.stats.blobStoredBytes),
            String(
                format: "= %.3f× the bodies", Double(storage.stats.blobStoredBytes) / Double(storage.stats.blobBytes))))
    print(row("of which event payloads (canonical JSON, in the log)", megabytes(storage.payloadBytes), ""))
    print(row("of which the read models", megabytes(storage.readModelBytes), ""))
    print(
        row(
            "reading every body back (decompress), per second", grouped(Double(storage.blobs) / storage.readSeconds),
            String(
                format: "%.0f MB/s; %.2f× the floor's read + hash per file",
                Double(storage.stats.blobBytes) / storage.readSeconds / 1e6,
                (Double(files.count) / floorSeconds) / (Double(storage.blobs) / storage.readSeconds))))
    print(
        row(
            "the log with records stored plain (baseline)", megabytes(plain.logBytes),
            String(
                format: "compressed records: %.2f× the baseline's log",
                Double(plain.compressedLogBytes) / Double(plain.logBytes))))
    print(
        row(
            "replay (views) of plain records (baseline), per second", grouped(plain.plainRate), ""))
    print(
        row(
            "replay (views) of compressed records, per second", grouped(plain.compressedRate),
            String(
                format: "%.2f× the baseline; %.1f µs per event to decompress", plain.compressedRate / plain.plainRate,
                (1 / plain.compressedRate - 1 / plain.plainRate) * 1e6)))
}

/// Imports timed; the median is reported.
private let importRuns = 3

/// The same events imported into a log that stores its records plain (`compressRecords` off), and a replay of
/// each: what compressing records saves on disk and costs on replay.
private func plainRecordFigures(_ location: LedgerLocation, work: String) throws
    -> (logBytes: Int64, compressedLogBytes: Int64, plainRate: Double, compressedRate: Double)
{
    func size(_ directory: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: directory + "/data.mdb"))?[.size] as? NSNumber)?
            .int64Value ?? 0
    }
    let compressed = try EventLog.open(directory: location.logDirectory, options: .init(create: false))
    var lines: [(number: Int, bytes: [UInt8])] = []
    _ = try compressed.exportNDJSON { lines.append((lines.count + 1, $0)) }
    let plainDirectory = work + "/plain-records-log"
    _ = try EventLog.importNDJSON(
        lines, into: plainDirectory, options: .init(durable: false, compressRecords: false))
    lines = []
    let plain = try EventLog.open(directory: plainDirectory, options: .init(create: false))
    // Each replayed twice, the better of two kept: the first pass also pays for reading the pages in.
    func rate(_ log: EventLog) throws -> Double {
        try (0..<2).map { _ in
            let replay = try timedViewReplay(log)
            return Double(replay.events) / replay.seconds
        }.max() ?? 0
    }
    let figures = (size(plainDirectory), size(location.logDirectory), try rate(plain), try rate(compressed))
    try FileManager.default.removeItem(atPath: plainDirectory)
    return figures
}

/// The ledger's size on disk after an import, and the time to read every body back out of the blob store.
private func storageFigures(_ location: LedgerLocation, floorSeconds: Double) throws
    -> (
        ledgerBytes: Int64, readModelBytes: Int64, payloadBytes: Int64, stats: LogStats, dictionaries: Int, blobs: Int,
        readSeconds: Double
    )
{
    func folderBytes(_ path: String) -> Int64 {
        guard let walker = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total: Int64 = 0
        for case let name as String in walker {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path + "/" + name)
            if (attributes?[.type] as? FileAttributeType) == .typeRegular {
                total += (attributes?[.size] as? NSNumber)?.int64Value ?? 0
            }
        }
        return total
    }
    func fileBytes(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
    let ledgerBytes = folderBytes(location.root)
    let log = try EventLog.open(directory: location.logDirectory, options: .init(create: false))
    let stats = try log.stats()
    var hashes: [SHA256Hash] = []
    var payloadBytes: Int64 = 0
    try log.read { reader in
        try reader.forEachEvent { event in
            hashes += event.blobHashes
            payloadBytes += Int64(event.payload.canonicalBytes.count)
            return true
        }
    }
    let unique = Array(Set(hashes))
    let start = monotonicSeconds()
    var read = 0
    try log.read { reader in
        for hash in unique { read += try reader.blob(hash)?.count ?? 0 }
    }
    let readSeconds = monotonicSeconds() - start
    guard read == stats.blobBytes else { fail("read back \(read) bytes of \(stats.blobBytes)") }
    return (
        ledgerBytes, ledgerBytes - (fileBytes(location.logDirectory + "/data.mdb")), payloadBytes, stats,
        stats.blobDictionaries, unique.count, readSeconds
    )
}
