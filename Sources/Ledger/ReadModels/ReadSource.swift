import EventLog
import JSON
import LedgerEvents
import PostgresProjection
import Projections

/// What a read command reads: the ledger's own log and read-model file, or one ledger's rows in a shared
/// PostgreSQL schema (`project sync --postgres`), which keeps a copy of the events for the same questions.
struct ReadSource {
    let models: any ReadModelReading
    let events: any LedgerEventSource
}

/// What read commands ask of a ledger's events besides the read models.
protocol LedgerEventSource {
    /// The last position recorded at or before `time` (µs), or 0 when every event is later.
    func position(asOf time: Int64) throws -> UInt64
    /// The last position there is (the synced one, in a shared database), 0 for none.
    func headPosition() throws -> UInt64
    /// When the event at `position` was recorded (nil when there is none).
    func recordedAt(_ position: UInt64) throws -> Int64?
    /// The first `metrics.computed` payload, and every `run.started` one (`FormulaChoice.held`).
    func formulaEvidence() throws -> (firstComputed: JSONValue?, runs: [JSONValue])
    /// The events of one stream, in order.
    func events(inStream stream: String) throws -> [StreamEvent]
    /// The event at `position`, nil when there is none.
    func event(at position: UInt64) throws -> StreamEvent?
    /// A recorded runtime's body by its SHA-256 (hex), nil when it is not kept.
    func runtimeBody(sha256 hex: String) throws -> [UInt8]?
    /// Hands back what reads mapped in so far (the log's pages; a database holds nothing between reads).
    func releaseMappedPages() throws
}

/// One event as `history` shows it.
struct StreamEvent {
    let position: UInt64
    let recordedAt: Int64
    let type: String
    let source: String
    let correlationID: String?
    let causation: UInt64?
    /// The record's hash, hex.
    let hash: String
    let payload: JSONValue?
}

extension EventLog: LedgerEventSource {
    func position(asOf time: Int64) throws -> UInt64 { try read { try $0.position(asOf: time) } }
    func headPosition() throws -> UInt64 { try read { try $0.head()?.position ?? 0 } }
    func recordedAt(_ position: UInt64) throws -> Int64? { try read { try $0.event(at: position)?.recordedAt } }

    func formulaEvidence() throws -> (firstComputed: JSONValue?, runs: [JSONValue]) {
        try read { reader in
            var first: JSONValue?
            try reader.forEachEvent(ofType: EventType.metricsComputed.name) { event in
                first = try event.payload.json
                return false
            }
            var runs: [JSONValue] = []
            try reader.forEachEvent(ofType: EventType.runStarted.name) { event in
                runs.append(try event.payload.json)
                return true
            }
            return (first, runs)
        }
    }

    func events(inStream stream: String) throws -> [StreamEvent] {
        try read { reader in
            var events: [StreamEvent] = []
            try reader.forEachEvent(inStream: stream) { event in
                events.append(StreamEvent(event))
                return true
            }
            return events
        }
    }

    func event(at position: UInt64) throws -> StreamEvent? {
        try read { try $0.event(at: position).map(StreamEvent.init) }
    }

    func runtimeBody(sha256 hex: String) throws -> [UInt8]? {
        guard let hash = SHA256Hash(hex: hex) else { return nil }
        return try read { try $0.blob(hash) }
    }

    func releaseMappedPages() throws { try read { $0.releaseMappedPages() } }
}

extension StreamEvent {
    init(_ event: RecordedEvent) {
        self.init(
            position: event.position, recordedAt: event.recordedAt, type: event.type, source: event.source,
            correlationID: event.correlationID?.description, causation: event.causation, hash: event.hash.hex,
            payload: try? event.payload.json)
    }

    init(_ event: SharedEvent) {
        self.init(
            position: event.position, recordedAt: event.recordedAt, type: event.type, source: event.source,
            correlationID: event.correlationID, causation: event.causation, hash: event.hash,
            payload: try? JSONParser.parse(event.payload))
    }
}

extension SharedReadModels: LedgerEventSource {
    func headPosition() throws -> UInt64 { try checkpoint()?.position ?? 0 }
    func formulaEvidence() throws -> (firstComputed: JSONValue?, runs: [JSONValue]) {
        (
            try loggedEvents(ofType: EventType.metricsComputed.name, first: true).first.flatMap {
                try? JSONParser.parse($0.payload)
            },
            try loggedEvents(ofType: EventType.runStarted.name).compactMap { try? JSONParser.parse($0.payload) }
        )
    }

    func events(inStream stream: String) throws -> [StreamEvent] {
        try loggedEvents(inStream: stream).map(StreamEvent.init)
    }
    func event(at position: UInt64) throws -> StreamEvent? { try loggedEvent(at: position).map(StreamEvent.init) }
    func releaseMappedPages() {}
}
