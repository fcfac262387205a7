// The child process of the crash test. It appends batches of events to the log at argv[1] and, after each
// commit returns, prints "committed <batch> <first> <last>" and flushes. The parent SIGKILLs it at random
// moments and checks that every reported batch survived, whole. With BLOB_BYTES every event carries a body of
// about that size (JSON-like, different per event), so batches compress and a dictionary gets trained.
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
    emit("usage: eventlog-crash-writer DIRECTORY BATCH_SIZE [MAX_BATCHES] [BLOB_BYTES]\n", to: 2)
    exit(2)
}
let maxBatches = arguments.count > 3 ? Int(arguments[3]) ?? 100_000 : 100_000
let blobBytes = arguments.count > 4 ? Int(arguments[4]) ?? 0 : 0

/// A body of about `blobBytes`: the same keys every time, numbers that differ per event.
func body(run: EventID, batch: Int, index: Int) -> Blob {
    var random = SplitMix64(seed: UInt64(batch) << 20 | UInt64(index))
    var text = #"{"run":"\#(run)","batch":\#(batch),"index":\#(index),"orders":["#
    while text.utf8.count < blobBytes {
        text += #"{"p":\#(random.next() % 100_000),"a":\#(random.next() % 1_000),"fe":0.075,"d":1,"n":"LE"},"#
    }
    return Blob(text + "{}]}")
}
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
                blobs: blobBytes > 0
                    ? [body(run: run, batch: batch, index: index)]
                    : index == 0 ? [Blob("batch \(batch) of run \(run)")] : [])
        }
        let outcomes = try log.append(drafts)
        emit("committed \(run) \(batch) \(outcomes.first!.position) \(outcomes.last!.position)\n", to: 1)
    }
} catch {
    emit("eventlog-crash-writer: \(error)\n", to: 2)
    exit(1)
}
