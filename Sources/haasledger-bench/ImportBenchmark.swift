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

/// `import`: a generated `unified_cache/backtests/` of `count` raw runtimes (shape A), imported into a fresh
/// ledger with canonical@1 metrics; reading and hashing the same files is the floor it is compared with.
func importBenchmark(work: String, count: Int) throws {
    let labs = max(1, count / 1_000)
    let world = SimulatedWorld(
        configuration: SimulatorConfiguration(seed: 606, labs: labs, backtestsPerLab: count / labs))
    let cache = work + "/pyhaasapi"
    let files = try PyHaasCacheWriter(world: world).write(to: cache, layouts: .unifiedRuntimes)
    let floorStart = monotonicSeconds()
    var bytes = 0
    for path in files {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes += data.count
        _ = SHA256Hash.of(Array(data))
    }
    let floorSeconds = monotonicSeconds() - floorStart
    let location = LedgerLocation(root: work + "/import-ledger")
    let summary = try ImportService(location: location).run(ImportRequest(paths: [cache], workingDirectory: work))
    guard summary.imported == files.count, summary.failed == 0, summary.metricsComputed == files.count else {
        fail(
            "imported \(summary.imported) of \(files.count) files, \(summary.metricsComputed) metrics, \(summary.failed) failed"
        )
    }
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
            String(format: "(goal ≥ 6,000/s: %@)", rate >= 6_000 ? "met" : "NOT met")))
    print(row("MB imported", String(format: "%.1f", Double(bytes) / summary.seconds / 1e6), ""))
    print(
        row(
            "floor: read + SHA-256 of the same files", grouped(Double(files.count) / floorSeconds),
            String(format: "import = %.2f× the floor", floorSeconds / summary.seconds)))
    print("\(summary.events) events, \(String(format: "%.2f", summary.seconds)) s")
}
