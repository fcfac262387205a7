import EventLog
import EventLogTesting
import JSON
import Testing

/// A log in its own temporary directory with a manual clock; the directory goes away with the value.
struct TestLog {
    let directory: TemporaryDirectory
    let clock: ManualClock
    let log: EventLog

    init(initialMapSize: Int = 16 << 20) throws {
        directory = try TemporaryDirectory()
        clock = ManualClock()
        log = try EventLog.open(
            directory: directory.appending("log"),
            options: .init(initialMapSize: initialMapSize, clock: clock))
    }

    var path: String { directory.appending("log") }
}

func draft(
    _ stream: String, _ type: String = "test.happened", _ payload: JSONValue = .object([]),
    id: EventID = .generate(), expectedVersion: UInt64? = nil, blobs: [Blob] = []
) -> EventDraft {
    EventDraft(
        id: id, stream: stream, type: type, payload: Payload(payload), expectedVersion: expectedVersion, blobs: blobs)
}

func allEvents(_ log: EventLog) throws -> [RecordedEvent] {
    try log.read { reader in
        var events: [RecordedEvent] = []
        try reader.forEachEvent {
            events.append($0); return true
        }
        return events
    }
}

/// Imports `lines` (an export) into a new log at `target` and checks the copy: its head is `head`, it verifies,
/// and it exports byte for byte the same lines (export is canonical).
func expectRoundTrip(_ lines: [[UInt8]], into target: String, head: LogHead?) throws {
    let imported = try EventLog.importNDJSON(lines.enumerated().map { ($0.offset + 1, $0.element) }, into: target)
    #expect(imported == head)
    let copy = try EventLog.open(directory: target, options: .init(create: false))
    #expect(try copy.verify().isValid)
    var again: [[UInt8]] = []
    try copy.exportNDJSON { again.append($0) }
    #expect(again == lines, "export is canonical: the copy exports byte for byte the same")
}
