/// Everything the log refuses or finds wrong, with the context a user needs to act on it.
public enum EventLogError: Error, CustomStringConvertible, Equatable {
    /// An expected-version append found the stream elsewhere. Nothing of the batch was written.
    case versionConflict(stream: String, expected: UInt64, actual: UInt64)
    /// The log was written by a newer HaasLedger whose format this build does not know.
    case unsupportedFormat(path: String, found: UInt32, supported: UInt32)
    /// The directory holds an LMDB environment that is not a HaasLedger log.
    case notALedger(path: String, reason: String)
    /// There is no log at the path and the caller asked not to create one.
    case notFound(path: String)
    /// This process already has the log open; LMDB forbids opening one environment twice per process.
    case alreadyOpen(path: String)
    /// A draft was rejected before anything was written. `index` counts from 0 within the batch.
    case invalidDraft(index: Int, reason: String)
    /// A stored record could not be decoded.
    case corruptRecord(position: UInt64, reason: String)
    /// An imported event's `recordedAt` is earlier than the event before it.
    case clockRegression(position: UInt64, recordedAt: Int64, previous: Int64)
    /// `log import` only writes into a ledger without events.
    case importIntoNonEmptyLog(path: String, events: UInt64)
    /// An export line could not be imported.
    case invalidExport(line: Int, reason: String)
    /// A file-system call failed.
    case io(path: String, operation: String, errno: Int32)
    /// The disk holding the log is full: the batch was not written, and the log is as it was.
    case diskFull(path: String, freeBytes: UInt64, batchBytes: UInt64)
    /// The ledger (or a folder on its path) cannot be read by this user.
    case permissionDenied(path: String, reason: String)
    /// The log was opened read-only (this user may not write to it): nothing can be appended.
    case readOnly(path: String)

    public var description: String {
        switch self {
        case let .versionConflict(stream, expected, actual):
            return
                "version conflict on stream '\(stream)': expected version \(expected), but the stream is at version \(actual)"
        case let .unsupportedFormat(path, found, supported):
            return
                "the log at \(path) has format version \(found), but this haasledger understands formats up to \(supported); upgrade haasledger to read it"
        case let .notALedger(path, reason):
            return "\(path) is not a HaasLedger log: \(reason)"
        case let .notFound(path):
            return "no ledger at \(path) (pass --ledger PATH or set HAASLEDGER_PATH)"
        case let .alreadyOpen(path):
            return "the log at \(path) is already open in this process"
        case let .invalidDraft(index, reason):
            return "event \(index + 1) of the batch is invalid: \(reason)"
        case let .corruptRecord(position, reason):
            return "record at position \(position) is corrupt: \(reason)"
        case let .clockRegression(position, recordedAt, previous):
            return
                "event at position \(position) was recorded at \(recordedAt) µs, before the previous event (\(previous) µs)"
        case let .importIntoNonEmptyLog(path, events):
            return
                "refusing to import into \(path): it already holds \(events) events (import only into an empty ledger)"
        case let .invalidExport(line, reason):
            return "line \(line): \(reason)"
        case let .io(path, operation, errno):
            return "\(operation) \(path) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        case let .permissionDenied(path, reason):
            return "permission denied: \(path): \(reason)"
        case let .readOnly(path):
            return
                "the ledger at \(path) is read-only for this user: read commands work on it, recording commands need write access to its folder"
        case let .diskFull(path, free, batch):
            return
                "the disk holding \(path) is full (\(DiskSpace.text(free)) free; this batch needs about \(DiskSpace.text(batch)) more, plus LMDB's page overhead): nothing of the batch was written and the log is intact; free some space, or move the ledger, and run the command again"
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif
