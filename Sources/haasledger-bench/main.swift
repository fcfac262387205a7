// The Swift side of tools/bench. Each subcommand prints one JSON object on stdout; the script compares it
// with the raw C baselines it measures in the same run.
import EventLog

#if canImport(Glibc)
import Glibc
#endif

func monotonicSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

func fail(_ message: String) -> Never {
    let line = "haasledger-bench: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(2)
}

/// Appends `count` events with ~200-byte JSON payloads in batches of `batch`, durably, then replays them
/// from position 1 decoding every envelope.
func benchLogAppend(directory: String, count: Int, batch: Int) throws {
    // Payloads are built before the clock starts, as the C loop's buffer is.
    let streams = Int(getenv("BENCH_STREAMS").map { String(cString: $0) } ?? "10000") ?? 10_000
    let types = ["haas.backtest.runtime.fetched", "haas.backtest.result.observed", "metrics.computed", "haas.lab.observed"]
    var drafts: [EventDraft] = []
    drafts.reserveCapacity(count)
    var payloadBytes = 0
    for index in 0..<count {
        let payload = Payload(.object([
            ("backtest_id", .string("bt-\(String(index % streams, radix: 16))-5f0c9a6e8b7d4c3a")),
            ("lab_id", .string("lab-\(index % 97)")),
            ("generation", .number(index % 50)), ("population", .number(index % 20)),
            ("roi", .number(JSONNumber(Double(index % 10_007) / 97.0)!)),
            ("realized_profit", .number(JSONNumber(Double(index % 3_001) * 1.25)!)),
            ("fees", .number(JSONNumber(Double(index % 101) / 8.0)!)),
            ("market", .string("BINANCE_BTC_USDT_")), ("note", .string("sample event for the append benchmark")),
        ]))
        payloadBytes += payload.canonicalBytes.count
        drafts.append(EventDraft(stream: "backtest:\(index % streams)", type: types[index % types.count], payload: payload,
                                 source: "http://127.0.0.1:8090"))
    }
    let log = try EventLog.open(directory: directory, options: .init(initialMapSize: 1 << 30))
    let appendStart = monotonicSeconds()
    var offset = 0
    while offset < count {
        let end = min(offset + batch, count)
        try log.append(drafts[offset..<end])
        offset = end
    }
    let appendSeconds = monotonicSeconds() - appendStart
    drafts = []

    // Replay as a projection's first pass does: every event's position, version and payload, zero-copy.
    let replayStart = monotonicSeconds()
    var replayed = 0
    var checksum: UInt64 = 0
    var recordBytes = 0
    try log.read { reader in
        try reader.forEachView { view in
            replayed += 1
            recordBytes += view.recordBytes
            checksum &+= view.streamVersion &+ view.position &+ UInt64(try view.withPayloadBytes { $0.count })
            return true
        }
    }
    let replaySeconds = monotonicSeconds() - replayStart
    guard replayed == count else { fail("replayed \(replayed) of \(count) events") }

    // The same walk decoding every event into owned values (strings, payload copy).
    let decodeStart = monotonicSeconds()
    var decoded = 0
    try log.read { reader in
        try reader.forEachEvent { event in
            decoded += 1
            checksum &+= event.streamVersion &+ UInt64(event.payload.canonicalBytes.count)
            return true
        }
    }
    let decodeSeconds = monotonicSeconds() - decodeStart
    let stats = try log.stats()
    print("""
        {"events":\(count),"batch":\(batch),"mean_payload_bytes":\(payloadBytes / count),\
        "mean_record_bytes":\(recordBytes / count),"file_bytes_per_event":\(Int(stats.fileBytes) / count),\
        "append_events_per_s":\(Int(Double(count) / appendSeconds)),"replay_events_per_s":\(Int(Double(replayed) / replaySeconds)),\
        "replay_decoded_events_per_s":\(Int(Double(decoded) / decodeSeconds)),\
        "file_bytes":\(stats.fileBytes),"checksum":\(checksum)}
        """)
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else { fail("usage: haasledger-bench log-append DIR [EVENTS] [BATCH]") }
switch arguments[1] {
case "log-append":
    guard arguments.count >= 3 else { fail("usage: haasledger-bench log-append DIR [EVENTS] [BATCH]") }
    let count = arguments.count > 3 ? Int(arguments[3]) ?? 0 : 1_000_000
    let batch = arguments.count > 4 ? Int(arguments[4]) ?? 0 : 10_000
    guard count > 0, batch > 0 else { fail("EVENTS and BATCH must be positive integers") }
    do {
        try benchLogAppend(directory: arguments[2], count: count, batch: batch)
    } catch {
        fail("\(error)")
    }
case "log-replay":
    guard arguments.count >= 3 else { fail("usage: haasledger-bench log-replay DIR [ROUNDS]") }
    let rounds = arguments.count > 3 ? Int(arguments[3]) ?? 1 : 1
    do {
        let log = try EventLog.open(directory: arguments[2], options: .init(create: false))
        for _ in 0..<rounds {
            let start = monotonicSeconds()
            var count = 0
            var checksum: UInt64 = 0
            try log.read { reader in
                try reader.forEachView { view in
                    count += 1
                    checksum &+= view.streamVersion &+ view.position &+ UInt64(try view.withPayloadBytes { $0.count })
                    return true
                }
            }
            print("{\"events\":\(count),\"replay_events_per_s\":\(Int(Double(count) / (monotonicSeconds() - start))),\"checksum\":\(checksum)}")
        }
    } catch {
        fail("\(error)")
    }
default:
    fail("unknown benchmark '\(arguments[1])' (known: log-append)")
}
