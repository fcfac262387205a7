/// An event as a caller proposes it. The log assigns its position, stream version, `recordedAt` and hash.
public struct EventDraft: Sendable {
    /// Repeating an id that is already in the log makes this draft a no-op that reports the original position.
    public var id: EventID
    /// The stream it belongs to, such as `backtest:<id>`.
    public var stream: String
    /// What happened, such as `haas.backtest.runtime.fetched`.
    public var type: String
    /// The payload's schema version; readers upcast older ones.
    public var schemaVersion: UInt32
    public var payload: Payload
    /// When set, the stream must be at exactly this version before the event (0: the stream must not exist yet).
    public var expectedVersion: UInt64?
    /// When the source says the fact was true, in microseconds since the Unix epoch.
    public var observedAt: Int64?
    /// One id per fetch or import run.
    public var correlationID: EventID?
    /// The position of the event that caused this one.
    public var causation: UInt64?
    /// Where the fact came from: a server URL without credentials, or an import path.
    public var source: String
    /// Bytes to keep in the blob store; their hashes are recorded in the envelope.
    public var blobs: [Blob]

    /// Set only by `log import`, which must reproduce the exported clock exactly.
    var importedRecordedAt: Int64?
    /// Set only by `log import`: the envelope's blob list, some of whose bytes arrived on earlier lines.
    var importedBlobHashes: [SHA256Hash]?

    /// The hashes the envelope lists.
    var blobHashes: [SHA256Hash] { importedBlobHashes ?? blobs.map(\.hash) }

    public init(
        id: EventID = .generate(), stream: String, type: String, schemaVersion: UInt32 = 1, payload: Payload,
        expectedVersion: UInt64? = nil, observedAt: Int64? = nil, correlationID: EventID? = nil,
        causation: UInt64? = nil, source: String = "", blobs: [Blob] = []
    ) {
        self.id = id
        self.stream = stream
        self.type = type
        self.schemaVersion = schemaVersion
        self.payload = payload
        self.expectedVersion = expectedVersion
        self.observedAt = observedAt
        self.correlationID = correlationID
        self.causation = causation
        self.source = source
        self.blobs = blobs
    }
}

/// What one draft of an append became.
public enum AppendOutcome: Sendable, Equatable {
    /// Recorded at this position and stream version.
    case appended(position: UInt64, streamVersion: UInt64)
    /// The id was already in the log at this position; nothing was written.
    case duplicate(position: UInt64)

    public var position: UInt64 {
        switch self {
        case .appended(let position, _), .duplicate(let position): return position
        }
    }
}

extension UnsafeBufferPointer<EventDraft> {
    /// The bytes of every draft's blobs, each draft read in place: iterating the buffer (`reduce`, `map`,
    /// `for in`) copies every draft, which retains each of its fields.
    var blobBytes: Int {
        var total = 0
        for index in indices {
            for blob in self[index].blobs { total += blob.bytes.count }
        }
        return total
    }
}
