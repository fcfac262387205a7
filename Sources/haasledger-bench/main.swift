// The Swift side of tools/bench. `log` measures the event log and the raw C LMDB loop in the same run and
// prints the comparison; the other modes exist for profilers.
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

func monotonicSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("haasledger-bench: \(message)\n".utf8))
    exit(2)
}

/// Events shaped like a fetch run's: ~220-byte canonical payloads over 10,000 backtest streams and four types.
func sampleDrafts(count: Int, streams: Int = 10_000) -> (drafts: [EventDraft], payloadBytes: Int) {
    let types = [
        "haas.backtest.runtime.fetched", "haas.backtest.result.observed", "metrics.computed", "haas.lab.observed",
    ]
    var drafts: [EventDraft] = []
    drafts.reserveCapacity(count)
    var payloadBytes = 0
    for index in 0..<count {
        let payload = Payload(
            .object([
                ("backtest_id", .string("bt-\(String(index % streams, radix: 16))-5f0c9a6e8b7d4c3a")),
                ("lab_id", .string("lab-\(index % 97)")),
                ("generation", .number(index % 50)), ("population", .number(index % 20)),
                ("roi", .number(JSONNumber(Double(index % 10_007) / 97.0)!)),
                ("realized_profit", .number(JSONNumber(Double(index % 3_001) * 1.25)!)),
                ("fees", .number(JSONNumber(Double(index % 101) / 8.0)!)),
                ("market", .string("BINANCE_BTC_USDT_")), ("note", .string("sample event for the append benchmark")),
            ]))
        payloadBytes += payload.canonicalBytes.count
        drafts.append(
            EventDraft(
                stream: "backtest:\(index % streams)", type: types[index % types.count],
                payload: payload, source: "http://127.0.0.1:8090"))
    }
    return (drafts, payloadBytes)
}

/// Appends `drafts` in batches of `batch` (one durable write transaction each); returns the seconds spent.
func timedAppend(_ drafts: [EventDraft], to log: EventLog, batch: Int) throws -> Double {
    let start = monotonicSeconds()
    var offset = 0
    while offset < drafts.count {
        let end = min(offset + batch, drafts.count)
        try log.append(drafts[offset..<end])
        offset = end
    }
    return monotonicSeconds() - start
}

struct ReplayResult {
    let events: Int
    let seconds: Double
    let recordBytes: Int
}

/// Replays from position 1 as a projection's first pass does: position, version and payload of every event,
/// read zero-copy from the memory map.
func timedViewReplay(_ log: EventLog) throws -> ReplayResult {
    let start = monotonicSeconds()
    var count = 0
    var recordBytes = 0
    var checksum: UInt64 = 0
    try log.read { reader in
        try reader.forEachView { view in
            count += 1
            recordBytes += view.recordBytes
            checksum &+= view.streamVersion &+ view.position &+ UInt64(try view.withPayloadBytes { $0.count })
            return true
        }
    }
    precondition(checksum != 0 || count == 0)
    return ReplayResult(events: count, seconds: monotonicSeconds() - start, recordBytes: recordBytes)
}

/// The same walk decoding every event into owned `RecordedEvent` values.
func timedDecodedReplay(_ log: EventLog) throws -> ReplayResult {
    let start = monotonicSeconds()
    var count = 0
    var checksum: UInt64 = 0
    try log.read { reader in
        try reader.forEachEvent { event in
            count += 1
            checksum &+= event.streamVersion &+ UInt64(event.payload.canonicalBytes.count)
            return true
        }
    }
    precondition(checksum != 0 || count == 0)
    return ReplayResult(events: count, seconds: monotonicSeconds() - start, recordBytes: 0)
}

/// Runs the raw C LMDB loop (tools/baselines/lmdb_append.c) and reads its JSON line.
func runBaseline(_ binary: String, directory: String, count: Int, batch: Int, valueBytes: Int) throws
    -> (append: Double, replay: Double)
{
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = [directory, String(count), String(batch), String(valueBytes)]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { fail("baseline \(binary) exited with \(process.terminationStatus)") }
    let json = try JSONParser.parse(Array(output))
    guard let append = json["append_events_per_s"]?.numberValue?.doubleValue,
        let replay = json["replay_events_per_s"]?.numberValue?.doubleValue
    else { fail("baseline printed no rates: \(String(decoding: output, as: UTF8.self))") }
    return (append, replay)
}

func grouped(_ value: Double) -> String {
    let digits = String(Int(value.rounded()))
    var out = ""
    for (index, character) in digits.reversed().enumerated() {
        if index > 0 && index % 3 == 0 { out.append(",") }
        out.append(character)
    }
    return String(out.reversed())
}

func row(_ label: String, _ value: String, _ note: String = "") -> String {
    label.padding(toLength: 54, withPad: " ", startingAt: 0) + String(repeating: " ", count: max(0, 12 - value.count))
        + value + (note.isEmpty ? "" : "  " + note)
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

/// `log`: the event log against the raw C loop, interleaved three times in one run; medians are reported
/// because single durable-write runs on this VM vary by ±30 % with page-cache writeback.
func logBenchmark(work: String, count: Int, batch: Int, baseline: String) throws {
    let (drafts, payloadBytes) = sampleDrafts(count: count)
    var append: [Double] = [], replay: [Double] = [], decoded: [Double] = []
    var rawAppend: [Double] = [], rawReplay: [Double] = [], rawSmall: [Double] = []
    var recordBytes = 0
    var fileBytes: Int64 = 0
    for round in 1...3 {
        let directory = work + "/eventlog-\(round)"
        try {
            let log = try EventLog.open(directory: directory, options: .init(initialMapSize: 1 << 30))
            append.append(Double(count) / (try timedAppend(drafts, to: log, batch: batch)))
            let views = try timedViewReplay(log)
            guard views.events == count else { fail("replayed \(views.events) of \(count) events") }
            replay.append(Double(views.events) / views.seconds)
            recordBytes = views.recordBytes / count
            decoded.append(Double(count) / (try timedDecodedReplay(log)).seconds)
            fileBytes = try log.stats().fileBytes
        }()
        try FileManager.default.removeItem(atPath: directory)
        // "Same sizes": the C loop writes values as large as the log's average record (envelope + hash).
        let same = try runBaseline(
            baseline, directory: work + "/raw", count: count, batch: batch, valueBytes: recordBytes)
        rawAppend.append(same.append)
        rawReplay.append(same.replay)
        rawSmall.append(
            try runBaseline(baseline, directory: work + "/raw", count: count, batch: batch, valueBytes: 200).append)
    }
    let appendRatio = median(append) / median(rawAppend)
    let replayRate = median(replay)
    print(
        "event log: \(grouped(Double(count))) events, \(grouped(Double(batch))) per write transaction, full fsync per commit; medians of 3 interleaved runs"
    )
    print(
        "payload \(payloadBytes / count) B canonical JSON; record \(recordBytes) B (envelope + hash); data file \(fileBytes / Int64(count)) B/event with indexes"
    )
    print(row("", "events/s", "ratio"))
    print(row("raw C LMDB append, \(recordBytes)-byte values (baseline)", grouped(median(rawAppend)), "1.00"))
    print(
        row(
            "raw C LMDB append, 200-byte values", grouped(median(rawSmall)),
            String(format: "%.2f", median(rawSmall) / median(rawAppend))))
    print(
        row(
            "EventLog append (hash chain + id/type/stream tables)", grouped(median(append)),
            String(format: "%.2f× raw  (goal ≥ 0.25×: %@)", appendRatio, appendRatio >= 0.25 ? "met" : "NOT met")))
    print(row("raw C LMDB cursor replay", grouped(median(rawReplay)), "1.00"))
    print(
        row(
            "EventLog replay, zero-copy views", grouped(replayRate),
            String(
                format: "%.2f× raw  (goal ≥ 5,000,000/s: %@)", replayRate / median(rawReplay),
                replayRate >= 5_000_000 ? "met" : "NOT met")))
    print(
        row(
            "EventLog replay, decoded RecordedEvent values", grouped(median(decoded)),
            String(format: "%.2f× raw", median(decoded) / median(rawReplay))))
    print(
        "runs (events/s): append \(append.map(grouped)), raw \(rawAppend.map(grouped)); replay \(replay.map(grouped))")
}

/// `fetch`: labs, result pages and runtimes of `backtests` backtests from an in-process simulator into a
/// fresh ledger, through the real client, recorder and log.
func fetchBenchmark(work: String, backtests: Int, concurrency: Int) async throws {
    let labs = max(1, backtests / 1_000)
    let configuration = SimulatorConfiguration(seed: 2026, labs: labs, backtestsPerLab: backtests / labs)
    let server = try await SimulatorServer.start(configuration: configuration)
    let location = LedgerLocation(root: work + "/fetch-ledger")
    let request = FetchRequest(
        client: HaasClientConfiguration(
            server: HaasServer(host: "127.0.0.1", port: server.port),
            credentials: HaasCredentials(email: configuration.email, password: configuration.password),
            concurrency: concurrency),
        labs: .all, runtimes: true, pageLength: 1_000)
    let summary = try await FetchService(location: location).run(request)
    await server.stop()
    guard summary.runtimesFetched == labs * (backtests / labs), summary.failures == 0,
        summary.metricsComputed == summary.runtimesFetched
    else {
        fail(
            "fetched \(summary.runtimesFetched) runtimes, \(summary.metricsComputed) metrics, \(summary.failures) failures"
        )
    }
    let fileBytes = try location.openLog(create: false).stats().fileBytes
    try FileManager.default.removeItem(atPath: work + "/fetch-ledger")
    let rate = Double(summary.runtimesFetched) / summary.seconds
    print(
        "fetch: \(grouped(Double(summary.runtimesFetched))) backtests with runtimes and canonical@1 metrics from the in-process simulator, concurrency \(concurrency)"
    )
    print(row("", "per second", ""))
    print(
        row(
            "backtests fetched and recorded (result + runtime)", grouped(rate),
            String(format: "(goal ≥ 500/s: %@)", rate >= 500 ? "met" : "NOT met")))
    print(
        row(
            "MB of response bodies recorded", String(format: "%.1f", Double(summary.bodyBytes) / summary.seconds / 1e6),
            ""))
    print(
        "\(summary.exchanges) HTTP exchanges, \(summary.events) events, \(String(format: "%.1f", Double(summary.bodyBytes) / 1e6)) MB of bodies, \(String(format: "%.1f", Double(fileBytes) / 1e6)) MB data file, \(String(format: "%.2f", summary.seconds)) s"
    )
}

/// `metrics`: parse and compute canonical@1 for `count` runtimes of 100 positions each.
func metricsBenchmark(count: Int) throws {
    let labs = max(1, count / 1_000)
    let world = SimulatedWorld(
        configuration: SimulatorConfiguration(
            seed: 77, labs: labs, backtestsPerLab: count / labs, positionsPerBacktest: 100...100))
    let bodies = world.labs.flatMap { lab in lab.backtests.map { world.runtimeBody(lab: lab, backtest: $0) } }
    let bytes = bodies.reduce(0) { $0 + $1.count }
    let parseStart = monotonicSeconds()
    let runtimes = try bodies.map { try RuntimeDecoder.runtime($0) }
    let parseSeconds = monotonicSeconds() - parseStart
    let computeStart = monotonicSeconds()
    var checksum = 0.0
    for runtime in runtimes {
        let adapted = RuntimeAdapter.adapt(runtime)
        let values = FormulaSet.canonicalV1.compute(adapted.inputs, settings: adapted.settings)
        checksum += values["total_return"]?.double ?? 0
    }
    let computeSeconds = monotonicSeconds() - computeStart
    precondition(checksum.isFinite)
    let computeRate = Double(runtimes.count) / computeSeconds
    let parseRate = Double(runtimes.count) / parseSeconds
    print(
        "metrics: \(grouped(Double(runtimes.count))) runtimes with 100 positions each (\(String(format: "%.1f", Double(bytes) / 1e6)) MB of bodies)"
    )
    print(row("", "per second", ""))
    print(
        row(
            "compute canonical@1 (adapter + 32 metrics)", grouped(computeRate),
            String(format: "(goal ≥ 20,000/s: %@)", computeRate >= 20_000 ? "met" : "NOT met")))
    print(
        row(
            "parse runtime JSON (RuntimeReader, fields needed only)", grouped(parseRate),
            String(format: "%.1f MB/s", Double(bytes) / parseSeconds / 1e6)))
    print(row("parse + compute", grouped(Double(runtimes.count) / (parseSeconds + computeSeconds)), ""))
}

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
        "import: a generated unified_cache of \(grouped(Double(files.count))) raw runtimes (\(String(format: "%.1f", Double(bytes) / 1e6)) MB), with canonical@1 metrics"
    )
    print(row("", "per second", ""))
    print(
        row(
            "runtimes imported (file + runtime + metrics events)", grouped(rate),
            String(format: "(goal ≥ 2,000/s: %@)", rate >= 2_000 ? "met" : "NOT met")))
    print(row("MB imported", String(format: "%.1f", Double(bytes) / summary.seconds / 1e6), ""))
    print(
        row(
            "floor: read + SHA-256 of the same files", grouped(Double(files.count) / floorSeconds),
            String(format: "import = %.2f× the floor", floorSeconds / summary.seconds)))
    print("\(summary.events) events, \(String(format: "%.2f", summary.seconds)) s")
}

/// A `Vm…` line of /proc/self/status in MB (nil where there is no procfs).
func residentMegabytes(_ field: String) -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
        let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
    else { return nil }
    return kilobytes / 1024
}

/// `readmodels`: a synthetic log of `backtests` × `revisions` (runtime + metrics events each), rebuilt into the
/// read models against a raw C SQLite insert loop of as many rows; then as-of query latency and catch-up.
func readModelsBenchmark(work: String, backtests: Int, revisions: Int, baseline: String) throws {
    let directory = work + "/readmodels-ledger"
    let location = LedgerLocation(root: directory)
    let metricNames = (0..<32).map { "metric_\($0 < 10 ? "0" : "")\($0)" }
    var rowsWritten = 0
    try {
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
                                ("formula", .string("canonical@1")), ("backtest_id", .string(id)),
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
    }()
    let log = try location.openLog(create: false)
    let events = try log.read { try $0.head()?.position ?? 0 }
    let residentBefore = residentMegabytes("VmRSS")
    // Linux resets the peak-resident counter (VmHWM) when "5" is written to clear_refs.
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    let start = monotonicSeconds()
    try ReadModels.rebuild(log: log, output: ReadModels.path(ledgerRoot: directory))
    let rebuildSeconds = monotonicSeconds() - start
    let residentPeak = residentMegabytes("VmHWM")

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
    var latencies: [Double] = []
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<50 {
        let position = UInt64.random(in: 1...events, using: &generator)
        let begin = monotonicSeconds()
        _ = try models.backtests(BacktestQuery(sort: "metric_07", limit: 20, asOf: position))
        latencies.append(monotonicSeconds() - begin)
    }
    latencies.sort()
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
                format: "rebuild memory: peak resident %.0f MB (%.0f MB before it started)", residentPeak, residentBefore))
    }
    let p50 = latencies[latencies.count / 2] * 1000
    let p99 = latencies[min(latencies.count - 1, latencies.count * 99 / 100)] * 1000
    print(
        String(
            format:
                "as-of query (top 20 by one metric, random position): p50 %.1f ms, p99 %.1f ms (goals ≤ 5 / ≤ 50 ms: %@)",
            p50, p99,
            p50 <= 5 && p99 <= 50 ? "met" : "NOT met"))
    print(String(format: "catch-up of one new event: %.2f ms (%d applied)", catchUp * 1000, applied))
    try FileManager.default.removeItem(atPath: directory)
}

let arguments = CommandLine.arguments
let usage =
    "usage: haasledger-bench log WORK_DIR BASELINE_BINARY [EVENTS] [BATCH] | log-append-profile WORK_DIR [EVENTS] | log-replay DIR [ROUNDS] | import WORK_DIR [RUNTIMES]"
guard arguments.count >= 3 else { fail(usage) }
do {
    switch arguments[1] {
    case "log":
        guard arguments.count >= 4 else { fail(usage) }
        let count = arguments.count > 4 ? Int(arguments[4]) ?? 0 : 1_000_000
        let batch = arguments.count > 5 ? Int(arguments[5]) ?? 0 : 10_000
        guard count > 0, batch > 0 else { fail("EVENTS and BATCH must be positive integers") }
        try logBenchmark(work: arguments[2], count: count, batch: batch, baseline: arguments[3])
    case "fetch":
        let count = arguments.count > 3 ? Int(arguments[3]) ?? 0 : 10_000
        let concurrency = arguments.count > 4 ? Int(arguments[4]) ?? 0 : 4
        guard count >= 1, concurrency >= 1 else { fail("BACKTESTS and CONCURRENCY must be positive integers") }
        try await fetchBenchmark(work: arguments[2], backtests: count, concurrency: concurrency)
    case "metrics":
        let count = Int(arguments[2]) ?? 0
        guard count >= 1 else { fail("RUNTIMES must be a positive integer") }
        try metricsBenchmark(count: count)
    case "import":
        let count = arguments.count > 3 ? Int(arguments[3]) ?? 0 : 10_000
        guard count >= 1 else { fail("RUNTIMES must be a positive integer") }
        try importBenchmark(work: arguments[2], count: count)
    case "readmodels":
        guard arguments.count >= 4 else { fail(usage) }
        let backtests = arguments.count > 4 ? Int(arguments[4]) ?? 0 : 100_000
        let revisions = arguments.count > 5 ? Int(arguments[5]) ?? 0 : 5
        guard backtests > 0, revisions > 0 else { fail("BACKTESTS and REVISIONS must be positive integers") }
        try readModelsBenchmark(work: arguments[2], backtests: backtests, revisions: revisions, baseline: arguments[3])
    case "log-append-profile":
        // For profilers: most of the run is appending (three logs in a row from one set of drafts).
        let count = arguments.count > 3 ? Int(arguments[3]) ?? 0 : 300_000
        let drafts = sampleDrafts(count: count).drafts
        for round in 1...3 {
            let log = try EventLog.open(
                directory: arguments[2] + "/round\(round)", options: .init(initialMapSize: 1 << 30))
            let seconds = try timedAppend(drafts, to: log, batch: 10_000)
            print("{\"round\":\(round),\"append_events_per_s\":\(Int(Double(count) / seconds))}")
        }
    case "log-replay":
        let log = try EventLog.open(directory: arguments[2], options: .init(create: false))
        for _ in 0..<(arguments.count > 3 ? Int(arguments[3]) ?? 1 : 1) {
            let result = try timedViewReplay(log)
            print(
                "{\"events\":\(result.events),\"replay_events_per_s\":\(Int(Double(result.events) / result.seconds))}")
        }
    default:
        fail("unknown benchmark '\(arguments[1])'; \(usage)")
    }
} catch {
    fail("\(error)")
}
