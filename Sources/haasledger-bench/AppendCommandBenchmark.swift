// `log-append`: `haasledger log append` of an NDJSON file, the whole process (reading, parsing, appending),
// against the raw C LMDB loop of as many events in the same run; with the process's peak resident memory.
import EventLog
import Foundation
import JSON

#if canImport(Glibc)
    import Glibc
#endif

/// Writes `count` NDJSON lines shaped as `sampleDrafts` makes events; returns the file's size.
func writeSampleNDJSON(to path: String, count: Int) throws -> Int {
    guard let file = fopen(path, "w") else { fail("cannot write \(path)") }
    defer { fclose(file) }
    var total = 0
    let chunk = 100_000
    var start = 0
    while start < count {
        let drafts = sampleDrafts(count: min(chunk, count - start), offset: start).drafts
        var out: [UInt8] = []
        out.reserveCapacity(drafts.count * 300)
        for draft in drafts {
            out.append(contentsOf: #"{"stream":"#.utf8)
            CanonicalJSON.writeString(draft.stream, into: &out)
            out.append(contentsOf: #","type":"#.utf8)
            CanonicalJSON.writeString(draft.type, into: &out)
            out.append(contentsOf: #","source":"#.utf8)
            CanonicalJSON.writeString(draft.source, into: &out)
            out.append(contentsOf: #","payload":"#.utf8)
            out.append(contentsOf: draft.payload.canonicalBytes)
            out.append(contentsOf: "}\n".utf8)
        }
        total += out.count
        _ = out.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        start += drafts.count
    }
    return total
}

/// Runs `executable` with `arguments`; returns the wall seconds and the child's peak resident set in MB.
///
/// The peak is read from the child's own `VmHWM` while it runs, not from `wait4`'s `ru_maxrss`: posix_spawn
/// starts the child in this process's address space, and Linux carries that address space's high-water mark
/// across the exec into `ru_maxrss`, so it would report this (large) benchmark process instead.
/// With `quiet`, the child's standard output goes to /dev/null (a command that prints every row).
func timedChild(_ executable: String, _ arguments: [String], quiet: Bool = false) throws
    -> (seconds: Double, peakMB: Double)
{
    let start = monotonicSeconds()
    var pid: pid_t = 0
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if quiet { posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0) }
    guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else {
        fail("cannot start \(executable)")
    }
    var status: Int32 = 0
    var peakKB = 0.0
    while true {
        if let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        {
            peakKB = max(peakKB, kilobytes)
        }
        let done = waitpid(pid, &status, WNOHANG)
        if done == pid { break }
        guard done == 0 else { fail("waitpid failed for \(executable)") }
        usleep(10_000)
    }
    let seconds = monotonicSeconds() - start
    guard status == 0 else { fail("\(executable) \(arguments.joined(separator: " ")) exited with status \(status)") }
    return (seconds, peakKB / 1024)
}

/// What `log append` commits per transaction, so the raw loop batches alike.
enum AppendBatchSize { static let events = 25_000 }

func appendCommandBenchmark(work: String, binary: String, baseline: String, count: Int) throws {
    let input = work + "/append-input.ndjson"
    let bytes = try writeSampleNDJSON(to: input, count: count)
    defer { unlink(input) }
    var rates: [Double] = []
    var peaks: [Double] = []
    var raw: [Double] = []
    var recordBytes = 0
    for round in 1...3 {
        let ledger = work + "/append-ledger-\(round)"
        let (seconds, peak) = try timedChild(binary, ["log", "append", "--ledger", ledger, input])
        rates.append(Double(count) / seconds)
        peaks.append(peak)
        if recordBytes == 0 {
            // As in `log`: the raw loop writes values as large as the log's average record.
            let log = try EventLog.open(directory: ledger + "/log", options: .init(create: false))
            recordBytes = try timedViewReplay(log).recordBytes / count
        }
        try? FileManager.default.removeItem(atPath: ledger)
        raw.append(
            try runBaseline(
                baseline, directory: work + "/append-raw", count: count, batch: AppendBatchSize.events,
                valueBytes: recordBytes
            ).append)
    }
    let rate = median(rates)
    let rawRate = median(raw)
    print(
        "log append: \(grouped(Double(count))) NDJSON events (\(String(format: "%.1f", Double(bytes) / 1e6)) MB), the whole `haasledger log append` process, median of 3"
    )
    print(row("", "events/s", ""))
    print(
        "raw loop: \(grouped(Double(AppendBatchSize.events))) events per transaction, \(recordBytes)-byte values (the log's average record)"
    )
    print(row("raw C LMDB append (the baseline)", grouped(rawRate), ""))
    print(
        row(
            "haasledger log append", grouped(rate),
            String(format: "= %.2f× raw (goal ≥ 0.15×: %@)", rate / rawRate, rate / rawRate >= 0.15 ? "met" : "NOT met")
        ))
    let peak = peaks.max() ?? 0
    print(
        row(
            "peak resident memory of the process", String(format: "%.0f MB", peak),
            String(format: "(goal ≤ 256 MB: %@)", peak <= 256 ? "met" : "NOT met")))
}
