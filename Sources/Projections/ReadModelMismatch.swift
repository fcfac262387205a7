/// Read models that were built from events the log no longer holds: they are never served, since every answer
/// they gave would be about a log that is not there. Rebuilding them from the log as it is resolves it.
public enum ReadModelMismatch: Error, Equatable, Sendable, CustomStringConvertible {
    /// They applied events through `applied`; the log ends at `head`.
    case logBehind(applied: UInt64, head: UInt64)
    /// The event they applied last is not the one now at that position.
    case logReplaced(position: UInt64)

    public var description: String {
        let advice = "`haasledger project rebuild` builds them again from the log as it is"
        switch self {
        case let .logBehind(applied, head):
            return
                "the read models were built from \(applied) events, but the log holds \(head == 0 ? "none" : "only \(head)"): it was truncated, emptied or replaced; \(advice)"
        case let .logReplaced(position):
            return
                "the read models do not match the log: its event at position \(position) is not the one they applied (the log was replaced); \(advice)"
        }
    }
}
