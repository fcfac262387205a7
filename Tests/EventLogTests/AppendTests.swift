import EventLog
import EventLogTesting
import Foundation
import JSON
import Testing

@Suite struct AppendTests {
    @Test func assignsPositionsStreamVersionsAndEnvelope() throws {
        let fixture = try TestLog()
        let correlation = EventID.generate()
        var first = draft("lab:1", "haas.lab.observed", .object([("name", .string("L"))]))
        first.observedAt = 1_700_000_000_000_000
        first.correlationID = correlation
        first.source = "http://127.0.0.1:8090"
        let outcomes = try fixture.log.append([first, draft("lab:2"), draft("lab:1")])
        #expect(
            outcomes == [
                .appended(position: 1, streamVersion: 1), .appended(position: 2, streamVersion: 1),
                .appended(position: 3, streamVersion: 2),
            ])
        let event = try #require(try fixture.log.read { try $0.event(at: 1) })
        #expect(event.id == first.id)
        #expect(event.stream == "lab:1")
        #expect(event.type == "haas.lab.observed")
        #expect(event.payload.description == #"{"name":"L"}"#)
        #expect(event.observedAt == 1_700_000_000_000_000)
        #expect(event.correlationID == correlation)
        #expect(event.causation == nil)
        #expect(event.source == "http://127.0.0.1:8090")
        #expect(event.recordedAt == fixture.clock.nowMicroseconds())
        #expect(try fixture.log.read { try $0.streamVersion("lab:1") } == 2)
    }

    @Test func hashChainLinksEachEventToThePrevious() throws {
        let fixture = try TestLog()
        try fixture.log.append([draft("a"), draft("b")])
        let events = try allEvents(fixture.log)
        #expect(events.count == 2)
        #expect(events[0].hash != events[1].hash)
        #expect(try fixture.log.verify().isValid)
    }

    @Test func expectedVersionConflictNamesBothVersionsAndWritesNothing() throws {
        let fixture = try TestLog()
        try fixture.log.append([draft("backtest:7"), draft("backtest:7")])
        let error = #expect(throws: EventLogError.self) {
            try fixture.log.append([draft("other"), draft("backtest:7", expectedVersion: 1)])
        }
        #expect(error == .versionConflict(stream: "backtest:7", expected: 1, actual: 2))
        #expect(error?.description.contains("expected version 1") == true)
        #expect(error?.description.contains("at version 2") == true)
        #expect(try allEvents(fixture.log).count == 2, "the batch is atomic")
        #expect(try fixture.log.append(draft("backtest:7", expectedVersion: 2)).position == 3)
        #expect(try fixture.log.append(draft("fresh", expectedVersion: 0)).position == 4)
    }

    @Test func repeatedIDIsANoOpReturningTheOriginalPosition() throws {
        let fixture = try TestLog()
        let id = EventID.generate()
        try fixture.log.append([draft("x"), draft("s", id: id)])
        let again = try fixture.log.append([
            draft("s", "test.happened", .object([("different", .bool(true))]), id: id), draft("y"),
        ])
        #expect(again == [.duplicate(position: 2), .appended(position: 3, streamVersion: 1)])
        let withinBatch = EventID.generate()
        let outcomes = try fixture.log.append([draft("z", id: withinBatch), draft("z", id: withinBatch)])
        #expect(outcomes == [.appended(position: 4, streamVersion: 1), .duplicate(position: 4)])
        #expect(try fixture.log.read { try $0.streamVersion("s") } == 1)
        #expect(try fixture.log.verify().isValid)
    }

    @Test func sameBlobBytesAreStoredOnce() throws {
        let fixture = try TestLog()
        let body = Blob(#"{"Success":true,"Data":{"BID":"b1"}}"#)
        try fixture.log.append([draft("a", blobs: [body]), draft("b", blobs: [body])])
        try fixture.log.append(draft("c", blobs: [body, Blob("other")]))
        let stats = try fixture.log.stats()
        #expect(stats.blobs == 2)
        #expect(stats.blobBytes == Int64(body.bytes.count + 5))
        #expect(try fixture.log.read { try $0.blob(body.hash) } == body.bytes)
        #expect(
            try allEvents(fixture.log).map(\.blobHashes) == [
                [body.hash], [body.hash], [body.hash, Blob("other").hash],
            ])
    }

    @Test func invalidDraftsAreRefusedBeforeWriting() throws {
        let fixture = try TestLog()
        let error = #expect(throws: EventLogError.self) { try fixture.log.append([draft("ok"), draft("")]) }
        #expect(error == .invalidDraft(index: 1, reason: "stream is empty"))
        #expect(throws: EventLogError.self) { try fixture.log.append(draft("bad\nstream")) }
        #expect(try allEvents(fixture.log).isEmpty)
    }

    @Test func recordedAtNeverGoesBackwardsAndTimesMapToPositions() throws {
        let fixture = try TestLog()
        fixture.clock.set(1_000)
        try fixture.log.append([draft("a"), draft("a")])  // positions 1, 2 at 1000
        fixture.clock.set(2_000)
        try fixture.log.append(draft("a"))  // 3 at 2000
        fixture.clock.set(1_500)  // the machine clock steps back
        try fixture.log.append(draft("a"))  // 4 stays at 2000
        fixture.clock.set(5_000)
        try fixture.log.append(draft("a"))  // 5 at 5000
        #expect(try allEvents(fixture.log).map(\.recordedAt) == [1_000, 1_000, 2_000, 2_000, 5_000])
        try fixture.log.read { reader throws in
            #expect(try reader.position(asOf: 999) == 0)
            #expect(try reader.position(asOf: 1_000) == 2)
            #expect(try reader.position(asOf: 1_999) == 2)
            #expect(try reader.position(asOf: 2_000) == 4)
            #expect(try reader.position(asOf: 4_999) == 4)
            #expect(try reader.position(asOf: .max) == 5)
        }
    }

    @Test func readsByRangeStreamAndType() throws {
        let fixture = try TestLog()
        try fixture.log.append([
            draft("lab:1", "lab.seen"), draft("bt:1", "bt.seen"), draft("lab:1", "lab.seen"), draft("bt:1", "bt.other"),
            draft("bt:2", "bt.seen"),
        ])
        try fixture.log.read { reader in
            var range: [UInt64] = []
            try reader.forEachEvent(from: 2, through: 4) {
                range.append($0.position); return true
            }
            #expect(range == [2, 3, 4])
            var stream: [UInt64] = []
            try reader.forEachEvent(inStream: "bt:1") {
                stream.append($0.position); return true
            }
            #expect(stream == [2, 4])
            var fromVersion: [UInt64] = []
            try reader.forEachEvent(inStream: "bt:1", fromVersion: 2) {
                fromVersion.append($0.streamVersion); return true
            }
            #expect(fromVersion == [2])
            var type: [UInt64] = []
            try reader.forEachEvent(ofType: "bt.seen") {
                type.append($0.position); return true
            }
            #expect(type == [2, 5])
            var typeFrom: [UInt64] = []
            try reader.forEachEvent(ofType: "bt.seen", from: 3) {
                typeFrom.append($0.position); return true
            }
            #expect(typeFrom == [5])
            var none = 0
            try reader.forEachEvent(inStream: "missing") { _ in
                none += 1; return true
            }
            try reader.forEachEvent(ofType: "missing") { _ in
                none += 1; return true
            }
            #expect(none == 0)
        }
    }

    @Test func gaplessPositionsUnderConcurrentAppenders() async throws {
        let fixture = try TestLog()
        let log = fixture.log
        let tasks = 8
        let batchesPerTask = 25
        let eventsPerBatch = 4
        let positions = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var mine: [UInt64] = []
                    for batch in 0..<batchesPerTask {
                        let drafts = (0..<eventsPerBatch).map { _ in
                            draft("task:\(task)", payload: .object([("batch", .number(Int64(batch)))]))
                        }
                        let outcomes = try log.append(drafts)
                        let batchPositions = outcomes.map(\.position)
                        #expect(
                            batchPositions
                                == Array(batchPositions[0]...(batchPositions[0] + UInt64(eventsPerBatch) - 1)),
                            "a batch occupies consecutive positions")
                        mine += batchPositions
                    }
                    return mine
                }
            }
            var all: [UInt64] = []
            for try await part in group { all += part }
            return all
        }
        let total = tasks * batchesPerTask * eventsPerBatch
        #expect(positions.sorted() == Array(1...UInt64(total)))
        let report = try log.verify()
        #expect(report.isValid)
        #expect(report.eventsChecked == UInt64(total))
        for task in 0..<tasks {
            #expect(try log.read { try $0.streamVersion("task:\(task)") } == UInt64(batchesPerTask * eventsPerBatch))
        }
    }

    @Test func mapGrowsFromATinyMap() throws {
        let fixture = try TestLog(initialMapSize: 64 << 10)
        let startSize = fixture.log.mapSize
        let payload = JSONValue.object([("text", .string(String(repeating: "x", count: 500)))])
        for batch in 0..<20 {
            let drafts = (0..<100).map { index in
                draft(
                    "grow:\(index % 10)", payload: payload,
                    blobs: [Blob("blob \(batch) \(index) " + String(repeating: "y", count: 300))])
            }
            try fixture.log.append(drafts)
        }
        #expect(fixture.log.mapSize > startSize)
        let report = try fixture.log.verify()
        #expect(report.isValid)
        #expect(report.eventsChecked == 2_000)
        #expect(try fixture.log.stats().blobs == 2_000)
    }
}

/// A JSON payload helper with the argument label the tests read best with.
func draft(_ stream: String, payload: JSONValue, blobs: [Blob] = []) -> EventDraft {
    draft(stream, "test.happened", payload, blobs: blobs)
}

extension AppendTests {
    @Test func streamEventsLinkToTheirPredecessor() throws {
        let fixture = try TestLog()
        try fixture.log.append([draft("a"), draft("b"), draft("a"), draft("a")])
        let events = try allEvents(fixture.log)
        #expect(events.map(\.previousInStream) == [nil, nil, 1, 3])
        try fixture.log.read { reader in
            var versions: [UInt64] = []
            try reader.forEachEvent(inStream: "a", fromVersion: 2) {
                versions.append($0.streamVersion); return true
            }
            #expect(versions == [2, 3])
            var first: [UInt64] = []
            try reader.forEachEvent(inStream: "a") {
                first.append($0.position); return false
            }
            #expect(first == [1], "returning false stops the visit")
            var beyond = 0
            try reader.forEachEvent(inStream: "a", fromVersion: 4) { _ in
                beyond += 1; return true
            }
            #expect(beyond == 0)
        }
    }

    /// A replay gives back the log pages it walked (they stay in the kernel's cache): the mapping's resident
    /// size drops to almost nothing, and the events read the same afterwards (issue 15, bounded memory).
    @Test func releasingMappedPagesShrinksTheResidentMapAndKeepsTheData() throws {
        let fixture = try TestLog(initialMapSize: 64 << 20)
        var random = SeededRandom(seed: 9)
        for batch in 0..<8 {
            try fixture.log.append(
                (0..<100).map { index in
                    draft(
                        "s:\(batch)", "t",
                        .object([("noise", .string(String(repeating: "\(random.next())", count: 40)))]))
                })
        }
        func residentKilobytes() -> Int {
            // Read to the end: /proc files report no size, which `String(contentsOfFile:)` takes at its word.
            let smaps = String(
                decoding: FileHandle(forReadingAtPath: "/proc/self/smaps")?.readDataToEndOfFile() ?? Data(),
                as: UTF8.self)
            let path =
                FileManager.default.fileExists(atPath: fixture.path)
                ? URL(fileURLWithPath: fixture.path).resolvingSymlinksInPath().path : fixture.path
            var inMapping = false
            var total = 0
            for line in smaps.split(separator: "\n") {
                if line.contains("-"), let first = line.first, first.isHexDigit, line.split(separator: " ").count >= 5 {
                    inMapping = line.hasSuffix(path + "/data.mdb")
                } else if inMapping, line.hasPrefix("Rss:") {
                    total += Int(line.split(separator: " ")[1]) ?? 0
                }
            }
            return total
        }
        let (before, after, count) = try fixture.log.read { reader in
            var count = 0
            try reader.forEachEvent { _ in
                count += 1
                return true
            }
            let before = residentKilobytes()
            reader.releaseMappedPages()
            return (before, residentKilobytes(), count)
        }
        #expect(count == 800)
        #expect(before >= 400, "the walk mapped the log in: \(before) KB")
        #expect(after * 4 < before, "given back: \(before) KB → \(after) KB")
        #expect(try allEvents(fixture.log).count == 800)
        #expect(try fixture.log.verify().isValid)
    }
}
