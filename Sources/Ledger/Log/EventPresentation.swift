import EventLog
import JSON

/// How `log show` prints events.
public enum EventFormat: String, CaseIterable, Sendable {
    case table
    case ndjson
}

/// Renders recorded events for people (table) and programs (NDJSON envelopes).
public enum EventPresentation {
    static let payloadWidth = 72

    public static let table = TableRenderer(columns: [
        .init("POSITION", rightAligned: true), .init("RECORDED_AT"), .init("STREAM"),
        .init("VERSION", rightAligned: true),
        .init("TYPE"), .init("PAYLOAD"),
    ])

    public static func tableRow(_ event: RecordedEvent) -> [String] {
        var payload = event.payload.description
        if payload.count > payloadWidth { payload = String(payload.prefix(payloadWidth - 1)) + "…" }
        return [
            String(event.position), Timestamp.format(event.recordedAt), event.stream, String(event.streamVersion),
            event.type, payload,
        ]
    }

    public static func ndjsonLine(_ event: RecordedEvent) throws -> String {
        CanonicalJSON.string(try event.envelopeJSON())
    }
}
