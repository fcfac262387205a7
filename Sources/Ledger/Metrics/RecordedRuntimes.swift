import EventLog
import HaasAPI
import JSON

/// A runtime the ledger recorded, read back from its event and body the way the metrics were computed from it.
enum RecordedRuntimes {
    /// The body hash the runtime event at `position` names, or nil when the event holds none.
    static func bodyHash(at position: Int64, in log: EventLog) throws -> String? {
        guard position > 0 else { return nil }
        return try log.read { reader in
            try reader.event(at: UInt64(position)).flatMap { try? $0.payload.json["body_sha256"]?.stringValue }
        }
    }

    /// The runtime at `position` as formula inputs (trades, daily equity), or nil when its body is not stored.
    static func adapted(at position: Int64, in log: EventLog) throws -> RuntimeAdapter.Adapted? {
        guard let hex = try bodyHash(at: position, in: log) else { return nil }
        return try adapted(body: hex, in: log)
    }

    /// The runtime whose body has SHA-256 `hex`, as formula inputs.
    static func adapted(body hex: String, in log: EventLog) throws -> RuntimeAdapter.Adapted? {
        guard let hash = SHA256Hash(hex: hex), let body = try log.read({ try $0.blob(hash) }) else { return nil }
        return RuntimeAdapter.adapt(try RuntimeDecoder.runtime(body))
    }
}
