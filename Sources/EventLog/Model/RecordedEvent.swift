/// An event as stored: its envelope, payload and the link of the hash chain that seals it.
public struct RecordedEvent: Sendable, Equatable {
    public let position: UInt64
    public let id: EventID
    public let stream: String
    public let streamVersion: UInt64
    public let type: String
    public let schemaVersion: UInt32
    /// Ledger clock, microseconds since the Unix epoch; never decreases along positions.
    public let recordedAt: Int64
    public let observedAt: Int64?
    public let correlationID: EventID?
    public let causation: UInt64?
    public let source: String
    public let payload: Payload
    public let blobHashes: [SHA256Hash]
    /// SHA-256(previous event's hash ‖ this event's envelope bytes).
    public let hash: SHA256Hash
}
