import EventLog
import Projections

/// Errors of the ledger's use cases. Each names the file, line, field or flag at fault.
public enum LedgerError: Error, CustomStringConvertible, Equatable {
    /// Bad input data: a malformed line, a wrong field. `source` is the file name or "stdin".
    case malformedInput(source: String, line: Int, reason: String)
    /// A flag or argument value that cannot be used.
    case invalidArgument(flag: String, reason: String)
    /// A file could not be read or written.
    case file(path: String, reason: String)
    /// An input named on the command line cannot be read (missing, a folder, no permission).
    case unreadableInput(path: String, reason: String)
    /// A structured input file has a bad field.
    case invalidFile(path: String, field: String, reason: String)
    /// `verify` found the log damaged.
    case integrity(String)
    /// The command finished, but some of its work failed (and was recorded as such).
    case partialFailure(String)
    /// Another command is writing to the ledger and this one was told not to wait (`--no-wait`).
    case ledgerBusy(path: String, holder: String)
    /// SIGINT or SIGTERM stopped the command; what it recorded so far is kept and its run is closed as
    /// interrupted.
    case interrupted(String)

    public var description: String {
        switch self {
        case let .malformedInput(source, line, reason): return "\(source): line \(line): \(reason)"
        case let .invalidArgument(flag, reason): return "\(flag): \(reason)"
        case let .file(path, reason), let .unreadableInput(path, reason): return "\(path): \(reason)"
        case let .invalidFile(path, field, reason): return "\(path): \(field): \(reason)"
        case let .integrity(reason): return "integrity failure: \(reason)"
        case let .partialFailure(reason): return reason
        case let .ledgerBusy(path, holder):
            return "\(path): another haasledger is writing to this ledger (\(holder)); run again when it is done, or without --no-wait to wait for it"
        case let .interrupted(what): return "interrupted: \(what)"
        }
    }
}

/// The process exit status a failure maps to (DESIGN §8): 1 runtime failure, 2 usage or input error,
/// 3 integrity failure.
public enum ExitStatus {
    public static func code(for error: any Error) -> Int32 {
        switch error {
        case LedgerError.malformedInput, LedgerError.invalidArgument, LedgerError.invalidFile,
            LedgerError.unreadableInput:
            return 2
        case LedgerError.integrity: return 3
        case LedgerError.interrupted: return 130
        // No ledger where one was named is a usage error: the path is wrong.
        case EventLogError.invalidExport, EventLogError.invalidDraft, EventLogError.notFound: return 2
        case EventLogError.corruptRecord, EventLogError.notALedger, is ReadModelMismatch: return 3
        default: return 1
        }
    }
}
