import HaasAPI
import JSON

/// A runtime the ledger recorded, read back from its event and body the way the metrics were computed from it
/// (from the log, or from a shared database's copy of its events and runtime bodies).
enum RecordedRuntimes {
    /// The body hash the runtime event at `position` names, or nil when the event holds none.
    static func bodyHash(at position: Int64, in events: any LedgerEventSource) throws -> String? {
        guard position > 0 else { return nil }
        return try events.event(at: UInt64(position))?.payload?["body_sha256"]?.stringValue
    }

    /// The runtime at `position` as formula inputs (trades, daily equity), or nil when its body is not stored.
    static func adapted(at position: Int64, in events: any LedgerEventSource) throws -> RuntimeAdapter.Adapted? {
        guard let hex = try bodyHash(at: position, in: events) else { return nil }
        return try adapted(body: hex, in: events)
    }

    /// The runtime whose body has SHA-256 `hex`, as formula inputs.
    static func adapted(body hex: String, in events: any LedgerEventSource) throws -> RuntimeAdapter.Adapted? {
        guard let body = try events.runtimeBody(sha256: hex) else { return nil }
        return RuntimeAdapter.adapt(try RuntimeDecoder.runtime(body))
    }
}
