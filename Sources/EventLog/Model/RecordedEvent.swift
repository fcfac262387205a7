/// An event as stored: its envelope, payload and the link of the hash chain that seals it.
public struct RecordedEvent: Sendable, Equatable {
    public let position: UInt64
    public let id: EventID
    public let stream: String
    public let streamVersion: UInt64
    /// The position of the previous event of the same stream (nil for a stream's first event). Stream reads
    /// follow these links instead of a separate index, so an append never touches a per-stream B-tree page.
    public let previousInStream: UInt64?
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
