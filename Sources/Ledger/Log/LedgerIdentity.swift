import EventLog

/// A ledger's own id: the first 16 hex digits of its first event's hash. Every copy of one history has it (an
/// export re-imported keeps it) and no other history does, so it keys a ledger's rows in a database shared by
/// several ledgers; a copy that went on to diverge is told apart by the hash at the synced position.
public enum LedgerIdentity {
    /// nil for an empty log.
    public static func id(of log: EventLog) throws -> String? {
        try log.read { try $0.event(at: 1) }.map { String($0.hash.hex.prefix(16)) }
    }

    /// True when `text` has the shape of an id (16 lower-case hex digits).
    public static func isID(_ text: String) -> Bool {
        text.utf8.count == 16 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
