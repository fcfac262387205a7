// `log`: the event log against the raw C LMDB loop.
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
