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

let arguments = CommandLine.arguments
let usage =
    "usage: haasledger-bench log WORK_DIR BASELINE_BINARY [EVENTS] [BATCH] | log-append WORK_DIR HAASLEDGER LMDB_BASELINE [EVENTS] | log-append-profile WORK_DIR [EVENTS] | log-replay DIR [ROUNDS] | import WORK_DIR [RUNTIMES] | lab-run WORK_DIR HAASLEDGER | sweep WORK_DIR HAASLEDGER | report WORK_DIR HAASLEDGER [BACKTESTS] | postgres WORK_DIR HAASLEDGER [BACKTESTS] [REVISIONS] | memory WORK_DIR HAASLEDGER [BACKTESTS] [REVISIONS] | synthetic-ledger DIR [BACKTESTS] [REVISIONS]"
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
    case "lab-run":
        guard arguments.count >= 4 else { fail(usage) }
        try await labRunBenchmark(work: arguments[2], haasledger: arguments[3])
    case "sweep":
        guard arguments.count >= 4 else { fail(usage) }
        try await sweepBenchmark(work: arguments[2], haasledger: arguments[3])
    case "metrics":
        let count = Int(arguments[2]) ?? 0
        guard count >= 1 else { fail("RUNTIMES must be a positive integer") }
        try metricsBenchmark(count: count)
    case "import":
        let count = arguments.count > 3 ? Int(arguments[3]) ?? 0 : 10_000
        guard count >= 1 else { fail("RUNTIMES must be a positive integer") }
        try importBenchmark(work: arguments[2], count: count)
    case "report":
        guard arguments.count >= 4 else { fail(usage) }
        let count = arguments.count > 4 ? Int(arguments[4]) ?? 0 : 100_000
        guard count >= 1 else { fail("BACKTESTS must be a positive integer") }
        try reportBenchmark(work: arguments[2], binary: arguments[3], count: count)
    case "memory":
        guard arguments.count >= 4 else { fail(usage) }
        let backtests = arguments.count > 4 ? Int(arguments[4]) ?? 0 : 100_000
        let revisions = arguments.count > 5 ? Int(arguments[5]) ?? 0 : 5
        guard backtests > 0, revisions > 0 else { fail("BACKTESTS and REVISIONS must be positive integers") }
        try memoryBenchmark(work: arguments[2], haasledger: arguments[3], backtests: backtests, revisions: revisions)
    case "synthetic-ledger":
        // For profiling the read models, a sync or queries by hand: the postgres/readmodels ledger, kept.
        let backtests = arguments.count > 3 ? Int(arguments[3]) ?? 0 : 100_000
        let revisions = arguments.count > 4 ? Int(arguments[4]) ?? 0 : 5
        guard backtests > 0, revisions > 0 else { fail("BACKTESTS and REVISIONS must be positive integers") }
        let location = LedgerLocation(root: arguments[2])
        _ = try writeSyntheticLedger(location, backtests: backtests, revisions: revisions)
        try ReadModels.rebuild(log: try location.openLog(create: false), output: location.readModelsPath)
    case "postgres":
        guard arguments.count >= 4 else { fail(usage) }
        let backtests = arguments.count > 4 ? Int(arguments[4]) ?? 0 : 100_000
        let revisions = arguments.count > 5 ? Int(arguments[5]) ?? 0 : 5
        guard backtests > 0, revisions > 0 else { fail("BACKTESTS and REVISIONS must be positive integers") }
        try await postgresBenchmark(
            work: arguments[2], haasledger: arguments[3], backtests: backtests, revisions: revisions)
    case "readmodels":
        guard arguments.count >= 4 else { fail(usage) }
        let backtests = arguments.count > 4 ? Int(arguments[4]) ?? 0 : 100_000
        let revisions = arguments.count > 5 ? Int(arguments[5]) ?? 0 : 5
        guard backtests > 0, revisions > 0 else { fail("BACKTESTS and REVISIONS must be positive integers") }
        try readModelsBenchmark(work: arguments[2], backtests: backtests, revisions: revisions, baseline: arguments[3])
    case "log-append":
        guard arguments.count >= 5 else { fail(usage) }
        let count = arguments.count > 5 ? Int(arguments[5]) ?? 0 : 1_000_000
        guard count > 0 else { fail("EVENTS must be a positive integer") }
        try appendCommandBenchmark(work: arguments[2], binary: arguments[3], baseline: arguments[4], count: count)
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
