import EventLog
import EventLogTesting
import JSON
import Testing

/// Pins the byte format documented in Sources/EventLog/FORMAT.md. If this fails, the format changed: that
/// needs a new format version and an upgrade path, never an edit of the expected bytes. The two hashes were
/// computed independently from FORMAT.md by the Python reference encoder printed in that file.
@Suite struct FormatTests {
    @Test func envelopeBytesAndHashArePinned() throws {
        let directory = try TemporaryDirectory()
        let log = try EventLog.open(
            directory: directory.appending("log"), options: .init(clock: ManualClock(micros: 1_795_269_600_000_000)))
        var first = EventDraft(
            id: EventID("0190f3a0-0000-7000-8000-000000000001")!, stream: "lab:L1", type: "t",
            payload: try Payload(json: #"{"a":1}"#), observedAt: 5,
            correlationID: EventID("0190f3a0-0000-7000-8000-0000000000cc")!,
            source: "s", blobs: [Blob("x")])
        first.causation = nil
        try log.append(first)
        try log.append(
            EventDraft(
                id: EventID("0190f3a0-0000-7000-8000-000000000002")!, stream: "lab:L1", type: "t",
                payload: try Payload(json: "{}"), causation: 1))
        var exported: [String] = []
        try log.exportNDJSON { exported.append(String(decoding: $0, as: UTF8.self)) }
        #expect(
            exported == [
                #"{"blobs":[{"data":"eA==","sha256":"2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"}],"causation":null,"correlation_id":"0190f3a0-0000-7000-8000-0000000000cc","hash":"\#(FormatTests.firstHash)","id":"0190f3a0-0000-7000-8000-000000000001","observed_at":5,"payload":{"a":1},"position":1,"previous_in_stream":null,"recorded_at":1795269600000000,"schema_version":1,"source":"s","stream":"lab:L1","stream_version":1,"type":"t"}"#,
                #"{"blobs":[],"causation":1,"correlation_id":null,"hash":"\#(FormatTests.secondHash)","id":"0190f3a0-0000-7000-8000-000000000002","observed_at":null,"payload":{},"position":2,"previous_in_stream":1,"recorded_at":1795269600000000,"schema_version":1,"source":"","stream":"lab:L1","stream_version":2,"type":"t"}"#,
            ])
    }

    static let firstHash = "6541911a6349d5ca9fe13a521d94b83883e36a9c95cba677567d34ddc4f0e1db"
    static let secondHash = "ef732623af0853c6f4ca72bc5957e0411e7f7e33543e2bd0213955bd18966771"
}

extension FormatTests {
    /// Batches of 512 or more events chain their hashes on a helper thread. The chain must come out byte for
    /// byte as when every event is appended on its own (hashed inline), duplicates and blobs included.
    @Test func concurrentlyHashedBatchesMatchInlineHashing() throws {
        let ids = (0..<1_500).map { _ in EventID.generate() }
        func drafts() -> [EventDraft] {
            (0..<1_500).map { index in
                EventDraft(
                    id: ids[index % 1_400], stream: "s:\(index % 37)", type: "t\(index % 3)",
                    payload: Payload(.object([("n", .number(index))])),
                    blobs: index % 100 == 0 ? [Blob("blob \(index / 100 % 4)")] : [])
            }
        }
        let clock = ManualClock()
        let batched = try TemporaryDirectory()
        let one = try EventLog.open(directory: batched.appending("log"), options: .init(clock: clock))
        let outcomes = try one.append(drafts())
        #expect(outcomes.filter { if case .duplicate = $0 { return true } else { return false } }.count == 100)
        let single = try TemporaryDirectory()
        let other = try EventLog.open(directory: single.appending("log"), options: .init(clock: clock))
        for draft in drafts() { try other.append(draft) }
        let head = try one.read { try $0.head() }
        #expect(head?.position == 1_400)
        #expect(head == (try other.read { try $0.head() }))
        #expect(try one.verify().isValid)
    }

    /// A version conflict in the middle of a large batch stops the helper thread and writes nothing.
    @Test func aLargeBatchThatFailsMidwayWritesNothing() throws {
        let fixture = try TestLog()
        var drafts = (0..<2_000).map { EventDraft(stream: "s:\($0 % 10)", type: "t", payload: Payload(.object([]))) }
        drafts[1_500].expectedVersion = 7
        #expect(throws: EventLogError.self) { try fixture.log.append(drafts) }
        #expect(try fixture.log.read { try $0.head() } == nil)
        drafts[1_500].expectedVersion = nil
        #expect(try fixture.log.append(drafts).count == 2_000)
        #expect(try fixture.log.verify().isValid)
    }
}
