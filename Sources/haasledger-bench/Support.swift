// Shared pieces of the benchmark harness: timing, sample events, the raw baselines, number formatting.
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
func sampleDrafts(count: Int, streams: Int = 10_000, offset: Int = 0) -> (drafts: [EventDraft], payloadBytes: Int) {
    let types = [
        "haas.backtest.runtime.fetched", "haas.backtest.result.observed", "metrics.computed", "haas.lab.observed",
    ]
    var drafts: [EventDraft] = []
    drafts.reserveCapacity(count)
    var payloadBytes = 0
    for index in offset..<(offset + count) {
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

/// A `Vm…` line of /proc/self/status in MB (nil where there is no procfs).
func residentMegabytes(_ field: String) -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
        let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
    else { return nil }
    return kilobytes / 1024
}

/// User plus system CPU time of this process so far.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// `haasledger simulate` in a child process on a port the system picks, so this process's CPU time is the
/// client's own. The caller terminates it.
func startChildSimulator(_ haasledger: String, arguments: [String]) throws -> (Process, port: Int) {
    let simulator = Process()
    simulator.executableURL = URL(fileURLWithPath: haasledger)
    simulator.arguments = ["simulate", "--port", "0"] + arguments
    let output = Pipe()
    simulator.standardOutput = output
    simulator.standardError = output  // the banner goes to stderr
    try simulator.run()
    // The banner names the port the system chose: "simulating a Trade Server at http://127.0.0.1:PORT — …".
    var banner: [UInt8] = []
    while !banner.contains(0x0A) {
        let chunk = output.fileHandleForReading.availableData
        guard !chunk.isEmpty else { fail("the simulator ended before it listened") }
        banner += chunk
    }
    let text = String(decoding: banner, as: UTF8.self)
    guard let range = text.range(of: "http://127.0.0.1:"),
        let port = Int(text[range.upperBound...].prefix { $0.isNumber })
    else { fail("no port in the simulator's banner: \(text)") }
    return (simulator, port)
}
