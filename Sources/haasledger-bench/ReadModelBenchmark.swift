// `readmodels`: rebuild, as-of latency and catch-up.
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

/// `readmodels`: a synthetic log of `backtests` × `revisions` (runtime + metrics events each), rebuilt into the
/// read models against a raw C SQLite insert loop of as many rows; then as-of query latency and catch-up.
func readModelsBenchmark(work: String, backtests: Int, revisions: Int, baseline: String) throws {
    let directory = work + "/readmodels-ledger"
    let location = LedgerLocation(root: directory)
    let rowsWritten = try writeSyntheticLedger(location, backtests: backtests, revisions: revisions)
    let log = try location.openLog(create: false)
    let events = try log.read { try $0.head()?.position ?? 0 }
    let residentBefore = residentMegabytes("VmRSS")
    // Linux resets the peak-resident counter (VmHWM) when "5" is written to clear_refs.
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    let start = monotonicSeconds()
    try ReadModels.rebuild(log: log, output: ReadModels.path(ledgerRoot: directory))
    let rebuildSeconds = monotonicSeconds() - start
    let residentPeak = residentMegabytes("VmHWM")
    // Where it is now: the log's memory-mapped pages (file-backed, given back under pressure) and the heap.
    let residentSplit = (file: residentMegabytes("RssFile"), heap: residentMegabytes("RssAnon"))
    let logMegabytes =
        Double(
            ((try? FileManager.default.attributesOfItem(atPath: location.logDirectory + "/data.mdb"))?[.size]
                as? NSNumber)?.int64Value ?? 0) / 1e6

    let process = Process()
    process.executableURL = URL(fileURLWithPath: baseline)
    process.arguments = [work + "/raw.sqlite", String(rowsWritten)]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let raw = try JSONParser.parse(Array(output))["rows_per_s"]?.numberValue?.doubleValue ?? .nan

    let models = try ReadModels(path: ReadModels.path(ledgerRoot: directory), log: log)
    let (p50, p99) = try asOfTopLatencies(models, events: events)
    try log.append(
        EventDraft(
            stream: "lab:late", type: "haas.lab.observed",
            payload: Payload(.object([("lab_id", .string("late")), ("status", .number(3))]))))
    let catchStart = monotonicSeconds()
    let applied = try models.projector.catchUp(from: log)
    let catchUp = monotonicSeconds() - catchStart
    let rowsPerSecond = Double(rowsWritten) / rebuildSeconds
    print(
        "read models: \(grouped(Double(events))) events (\(grouped(Double(backtests))) backtests × \(revisions) revisions of runtime + metrics), \(grouped(Double(rowsWritten))) versioned rows"
    )
    print(row("", "per second", "ratio"))
    print(row("raw C SQLite insert loop (one transaction)", grouped(raw), "1.00"))
    print(
        row(
            "rebuild: rows written", grouped(rowsPerSecond),
            String(
                format: "%.2f× raw (goal ≥ 0.5×: %@); %@ events/s", rowsPerSecond / raw,
                rowsPerSecond / raw >= 0.5 ? "met" : "NOT met",
                grouped(Double(events) / rebuildSeconds))))
    if let residentBefore, let residentPeak {
        print(
            String(
                format:
                    "rebuild memory: peak resident %.0f MB (%.0f MB before it started); after it: %.0f MB of mapped log pages (the log is %.0f MB), %.0f MB of heap",
                residentPeak,
                residentBefore, residentSplit.file ?? 0, logMegabytes, residentSplit.heap ?? 0))
    }
    print(
        String(
            format:
                "as-of query (top 20 by one metric, random position): p50 %.1f ms, p99 %.1f ms (goals ≤ 5 / ≤ 50 ms: %@)",
            p50, p99,
            p50 <= 5 && p99 <= 50 ? "met" : "NOT met"))
    print(String(format: "catch-up of one new event: %.2f ms (%d applied)", catchUp * 1000, applied))
    try FileManager.default.removeItem(atPath: directory)
}

/// A synthetic log of `backtests` × `revisions` (a runtime and a metrics event each, 32 metrics, a fifth of
/// the backtests changing each revision); returns how many versioned rows its read models hold.
func writeSyntheticLedger(_ location: LedgerLocation, backtests: Int, revisions: Int) throws -> Int {
    let metricNames = (0..<32).map { "metric_\($0 < 10 ? "0" : "")\($0)" }
    var rowsWritten = 0
    let log = try location.openLog(create: true)
    var random = SystemRandomNumberGenerator()
    for revision in 0..<revisions {
        var batch: [EventDraft] = []
        for index in 0..<backtests {
            let id = "bt-\(index)"
            // Each revision re-runs a fifth of the backtests; the rest repeat their values (no new versions).
            let changed = revision == 0 || index % 5 == revision % 5
            let seed = Double(changed ? revision : 0) + Double(index) / Double(backtests)
            batch.append(
                EventDraft(
                    stream: "backtest:\(id)", type: "haas.backtest.runtime.fetched",
                    payload: Payload(
                        .object([
                            ("lab_id", .string("lab-\(index % 20)")), ("backtest_id", .string(id)),
                            ("market", .string("BINANCE_BTC_USDT_")),
                            (
                                "reported",
                                .object([("roi", .number(JSONNumber(seed * 10)!)), ("roi_margin", .number(930))])
                            ),
                            ("body_sha256", .string(String(repeating: "0", count: 64))),
                        ]))))
            batch.append(
                EventDraft(
                    stream: "backtest:\(id)", type: "metrics.computed",
                    payload: Payload(
                        .object([
                            ("formula", .string(FormulaRegistry.defaultName)), ("backtest_id", .string(id)),
                            ("lab_id", .string("lab-\(index % 20)")),
                            (
                                "values",
                                .object(
                                    metricNames.enumerated().map { ($1, .number(JSONNumber(seed + Double($0))!)) })
                            ),
                        ]))))
            if changed { rowsWritten += 33 }
            if batch.count >= 20_000 {
                try log.append(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        try log.append(batch)
        _ = random.next()
    }
    return rowsWritten
}

/// p50 and p99 (ms) of 50 top-20 queries by one metric, each as of a random position.
func asOfTopLatencies(_ models: some ReadModelReading, events: UInt64) throws -> (p50: Double, p99: Double) {
    var latencies: [Double] = []
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<50 {
        let position = UInt64.random(in: 1...events, using: &generator)
        let begin = monotonicSeconds()
        _ = try models.backtests(BacktestQuery(sort: "metric_07", limit: 20, asOf: position))
        latencies.append(monotonicSeconds() - begin)
    }
    latencies.sort()
    return (
        latencies[latencies.count / 2] * 1000, latencies[min(latencies.count - 1, latencies.count * 99 / 100)] * 1000
    )
}
