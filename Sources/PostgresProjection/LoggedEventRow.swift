import EventLog
import Projections

/// An event as a row of the `events` table: its envelope and canonical payload, byte for byte.
enum LoggedEventRow {
    static let columns = [
        "position", "recorded_at", "stream", "type", "source", "correlation_id", "causation", "event_hash", "payload",
    ]

    static func write(_ event: RecordedEvent, into sink: inout some RowSink) {
        sink.integer(Int64(event.position))
        sink.integer(event.recordedAt)
        sink.string(event.stream)
        sink.string(event.type)
        sink.string(event.source)
        if let correlation = event.correlationID { sink.string(correlation.description) } else { sink.null() }
        if let causation = event.causation { sink.integer(Int64(causation)) } else { sink.null() }
        sink.string(event.hash.hex)
        event.payload.canonicalBytes.withUnsafeBytes { sink.text($0) }
        sink.endRow()
    }
}

extension RowSink {
    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { text(UnsafeRawBufferPointer($0)) }
    }
}
