import EventLog
import EventLogTesting
import Foundation
import JSON
import Testing

@testable import Ledger

/// Drafts derived from a draft's commit (a sweep trial's metrics from its runtime) ride with the next commit,
/// and what waits behind them (the trial's verdict) is never committed before them.
@Suite struct EventRecorderTests {
    let directory: TemporaryDirectory
    let log: EventLog
    let recorder: EventRecorder

    init() throws {
        directory = try TemporaryDirectory(prefix: "haasledger-recorder")
        log = try LedgerLocation(root: directory.appending("ledger")).openLog(create: true, clock: ManualClock())
        recorder = EventRecorder(log: log, correlationID: EventID.generate(), source: "test")
    }

    func draft(_ name: String) -> EventDraft {
        EventDraft(stream: "s", type: name, payload: Payload(.object([])))
    }

    /// Type and causation of every event, in log order.
    func recorded() throws -> [(type: String, causation: UInt64?)] {
        try log.read { reader in
            var events: [(String, UInt64?)] = []
            try reader.forEachEvent { event in
                events.append((event.type, event.causation))
                return true
            }
            return events
        }
    }

    @Test func derivedDraftsAndWhatWaitsBehindThemCommitTogetherAfterTheirCause() throws {
        let cause = draft("runtime")
        recorder.add(cause) { recorded, position in
            var derived = EventDraft(stream: "s", type: "metrics", payload: Payload(.object([])))
            derived.causation = position
            #expect(recorded.source == "test")
            return [derived]
        }
        recorder.add(draft("verdict"), afterCommitOf: cause.id)
        try recorder.flush()
        // The verdict waits behind the metrics, which wait for the runtime's commit.
        #expect(try recorded().map(\.type) == ["runtime"])
        try recorder.flush()
        let events = try recorded()
        #expect(events.map(\.type) == ["runtime", "metrics", "verdict"])
        #expect(events[1].causation == 1)
        #expect(recorder.pendingCount == 0)
    }

    @Test func aDraftBehindACauseAlreadyCommittedIsQueuedAtOnce() throws {
        let cause = draft("runtime")
        recorder.add(cause) { _, _ in [EventDraft(stream: "s", type: "metrics", payload: Payload(.object([])))] }
        try recorder.flush()
        recorder.add(draft("verdict"), afterCommitOf: cause.id)
        try recorder.flushAll()
        #expect(try recorded().map(\.type) == ["runtime", "metrics", "verdict"])
    }
}
