// The child process of the crash test. It appends batches of events to the log at argv[1] and, after each
// commit returns, prints "committed <batch> <first> <last>" and flushes. The parent SIGKILLs it at random
// moments and checks that every reported batch survived, whole.
import EventLog
import JSON
import Platform

#if canImport(Glibc)
    import Glibc
#endif

/// Writes straight to a descriptor: a line reported on stdout must be out of the process before the next append.
func emit(_ text: String, to descriptor: Int32) {
    try? writeAll(descriptor, Array(text.utf8))
}

let arguments = CommandLine.arguments
guard arguments.count >= 3, let batchSize = Int(arguments[2]), batchSize > 0 else {
    emit("usage: eventlog-crash-writer DIRECTORY BATCH_SIZE [MAX_BATCHES]\n", to: 2)
    exit(2)
}
let maxBatches = arguments.count > 3 ? Int(arguments[3]) ?? 100_000 : 100_000
do {
    let log = try EventLog.open(directory: arguments[1])
    let run = EventID.generate()
    for batch in 0..<maxBatches {
        let drafts = (0..<batchSize).map { index in
            EventDraft(
                stream: "crash:\(index % 5)", type: "crash.test.appended",
                payload: Payload(
                    .object([
                        ("run", .string(run.description)), ("batch", .number(Int64(batch))),
                        ("index", .number(Int64(index))), ("of", .number(Int64(batchSize))),
                    ])),
                blobs: index == 0 ? [Blob("batch \(batch) of run \(run)")] : [])
        }
        let outcomes = try log.append(drafts)
        emit("committed \(run) \(batch) \(outcomes.first!.position) \(outcomes.last!.position)\n", to: 1)
    }
} catch {
    emit("eventlog-crash-writer: \(error)\n", to: 2)
    exit(1)
}
