import EventLog
import EventLogTesting
import Foundation
import JSON
import Testing

/// Format 3 (FORMAT.md): blobs over 1 KB stored are packed into shared values, and records are compressed with a
/// dictionary trained on the log's own records. What is read back, hashed, verified and exported is unchanged
/// (issue 15, storage).
@Suite struct PackedStorageTests {
    /// Bytes zstd cannot shrink, so a blob's stored value is the identity encoding, of a size the test knows.
    static func noise(_ index: Int, count: Int = 3_000) -> Blob {
        var random = SeededRandom(seed: UInt64(index) &+ 99)
        return Blob((0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) })
    }

    static func locator(pack: UInt64, offset: UInt32, length: UInt32) -> [UInt8] {
        [2] + withUnsafeBytes(of: pack.littleEndian, Array.init) + withUnsafeBytes(of: offset.littleEndian, Array.init)
            + withUnsafeBytes(of: length.littleEndian, Array.init)
    }

    static func pack(_ path: String, _ number: UInt64) throws -> [UInt8]? {
        try RawLMDB.value(directory: path, database: "blob_packs", key: RawLMDB.positionKey(number))
    }

    /// A blob's stored value (encoding 0 or 1), following its locator into a pack when it has one.
    static func storedBlob(_ path: String, _ blob: Blob) throws -> [UInt8] {
        let entry = try #require(try RawLMDB.value(directory: path, database: "blobs", key: blob.hash.bytes))
        guard entry.first == 2 else { return entry }
        let bytes = entry.withUnsafeBytes { raw in
            (
                pack: raw.loadUnaligned(fromByteOffset: 1, as: UInt64.self),
                offset: Int(raw.loadUnaligned(fromByteOffset: 9, as: UInt32.self)),
                length: Int(raw.loadUnaligned(fromByteOffset: 13, as: UInt32.self))
            )
        }
        let pack = try #require(try Self.pack(path, UInt64(littleEndian: bytes.pack)))
        return Array(pack[bytes.offset..<(bytes.offset + bytes.length)])
    }

    @Test func largeBlobsShareAPackAndSmallOnesStayInline() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("log")
        let first = (0..<3).map { Self.noise($0) }
        let second = Self.noise(3)
        do {
            let log = try EventLog.open(directory: path, options: .init(clock: ManualClock()))
            try log.append(first.map { draft("s", blobs: [$0, Blob("tiny")]) })
            try log.append(draft("t", blobs: [second, first[0]]))
            for blob in first + [second, Blob("tiny")] {
                #expect(try log.read { try $0.blob(blob.hash) } == blob.bytes)
            }
            let stats = try log.stats()
            #expect(stats.blobs == 5)
            #expect(stats.blobBytes == Int64(4 * 3_000 + 4))
            #expect(stats.formatVersion == EventLog.formatVersion)
            #expect(try log.verify().isValid)
        }
        // The layout FORMAT.md documents: one pack per batch, in order; locators with offset and length.
        for (index, blob) in first.enumerated() {
            let entry = try RawLMDB.value(directory: path, database: "blobs", key: blob.hash.bytes)
            #expect(entry == Self.locator(pack: 1, offset: UInt32(index * 3_001), length: 3_001))
        }
        #expect(try Self.pack(path, 1) == first.flatMap { [0] + $0.bytes })
        #expect(
            try RawLMDB.value(directory: path, database: "blobs", key: second.hash.bytes)
                == Self.locator(pack: 2, offset: 0, length: 3_001))
        #expect(try Self.pack(path, 2) == [0] + second.bytes, "a blob already stored is not packed again")
        #expect(
            try RawLMDB.value(directory: path, database: "blobs", key: Blob("tiny").hash.bytes) == [
                0, 116, 105, 110, 121,
            ])
    }

    @Test func aBatchOverThePackLimitFillsSeveralPacks() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("log")
        let blobs = (0..<400).map { Self.noise(1_000 + $0) }
        do {
            let log = try EventLog.open(directory: path, options: .init(initialMapSize: 64 << 20, clock: ManualClock()))
            try log.append(blobs.map { draft("s", blobs: [$0]) })
            for blob in blobs { #expect(try log.read { try $0.blob(blob.hash) } == blob.bytes) }
            #expect(try log.verify().isValid)
        }
        // 400 values of 3,001 bytes in packs of at most 1 MiB (1,048,576 bytes): 349 in the first, 51 in a second.
        let sizes = try (1...4).map { try Self.pack(path, UInt64($0))?.count }
        #expect(sizes == [349 * 3_001, 51 * 3_001, nil, nil])
    }

    @Test func verifyNamesAMissingPackAndALocatorPastItsEnd() throws {
        let blob = Self.noise(7)
        func damaged(_ change: (String) throws -> Void) throws -> (TemporaryDirectory, EventLog) {
            let directory = try TemporaryDirectory()
            let path = directory.appending("log")
            do {
                let log = try EventLog.open(directory: path, options: .init(clock: ManualClock()))
                try log.append(draft("s", blobs: [blob]))
            }
            try change(path)
            return (directory, try EventLog.open(directory: path, options: .init(create: false)))
        }
        let (first, missing) = try damaged {
            try RawLMDB.delete(directory: $0, database: "blob_packs", key: RawLMDB.positionKey(1))
        }
        #expect(try missing.verify().problem?.reason.contains("lies in pack 1, which the log does not hold") == true)
        #expect(throws: EventLogError.self) { try missing.read { try $0.blob(blob.hash) } }
        _ = first
        let (second, past) = try damaged {
            try RawLMDB.put(
                directory: $0, database: "blobs", key: blob.hash.bytes,
                value: Self.locator(pack: 1, offset: 10, length: 3_001))
        }
        let report = try past.verify()
        #expect(report.problem?.position == 1)
        #expect(report.problem?.reason.contains("located past the end of pack 1") == true)
        _ = second
    }

    /// A metrics-like payload: the same forty names every time, numbers that differ.
    static func metrics(_ index: Int) -> JSONValue {
        var random = SeededRandom(seed: UInt64(index) &+ 5)
        return .object(
            (0..<40).map { field in
                ("metric_number_\(field)", .number(JSONNumber(Double(random.next() % 1_000_000) / 997)!))
            } + [("backtest_id", .string("bt-\(index)")), ("formula", .string("canonical@2"))])
    }

    static func storedRecord(_ path: String, _ position: UInt64) throws -> [UInt8] {
        try #require(try RawLMDB.value(directory: path, database: "events", key: RawLMDB.positionKey(position)))
    }

    /// Changes the stored record at `position`, which must carry `tag`, behind the log's back.
    static func damageRecord(
        _ path: String, _ position: UInt64, tag: UInt8, _ change: (inout [UInt8]) -> Void
    ) throws {
        try RawLMDB.modify(directory: path, database: "events", key: RawLMDB.positionKey(position)) { record in
            #expect(record[0] == tag)
            change(&record)
        }
    }

    /// Appends 1,000 metrics-like events in batches of 100: enough for the record dictionary to be trained.
    static func metricsLog(_ path: String) throws -> [EventDraft] {
        let drafts = (0..<1_000).map { index in
            draft("backtest:\(index % 300)", "metrics.computed", metrics(index), blobs: [])
        }
        try appendInBatches(drafts, batch: 100, to: path)
        return drafts
    }

    /// A new log at `path` holding `drafts`, appended `batch` at a time.
    static func appendInBatches(_ drafts: [EventDraft], batch: Int, to path: String) throws {
        let log = try EventLog.open(directory: path, options: .init(initialMapSize: 64 << 20, clock: ManualClock()))
        for start in stride(from: 0, to: drafts.count, by: batch) {
            try log.append(drafts[start..<min(start + batch, drafts.count)])
        }
    }

    @Test func recordsAreCompressedOnceTrainedAndReadBackAsAppended() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("log")
        let drafts = try Self.metricsLog(path)
        var plainBytes = 0
        let head: LogHead
        do {
            let log = try EventLog.open(directory: path, options: .init(create: false))
            let events = try allEvents(log)
            #expect(events.count == drafts.count)
            for (event, draft) in zip(events, drafts) {
                #expect(event.payload.canonicalBytes == draft.payload.canonicalBytes)
                #expect(event.stream == draft.stream && event.type == draft.type && event.id == draft.id)
            }
            // Zero-copy views see the same bytes, through the buffer a compressed record is rebuilt in.
            var viewed = 0
            try log.read { reader in
                try reader.forEachView { view in
                    let event = events[Int(view.position) - 1]
                    try view.withPayloadBytes { #expect(Array($0) == event.payload.canonicalBytes) }
                    try view.withTypeBytes { #expect(Array($0) == Array(event.type.utf8)) }
                    plainBytes += view.recordBytes
                    viewed += 1
                    return true
                }
            }
            #expect(viewed == drafts.count)
            #expect(try log.read { try $0.event(at: 777) } == events[776])
            var streamEvents: [RecordedEvent] = []
            try log.read {
                try $0.forEachEvent(inStream: "backtest:7") {
                    streamEvents.append($0); return true
                }
            }
            #expect(streamEvents == events.filter { $0.stream == "backtest:7" })
            #expect(try log.verify().isValid)
            head = try #require(try log.read { try $0.head() })
            #expect(head.hash == events.last?.hash)
        }
        // Early records are plain; once trained, records are stored as FORMAT.md pins them.
        #expect(try Self.storedRecord(path, 1).first == 1)
        var storedBytes = 0
        for position in UInt64(1)...UInt64(drafts.count) { storedBytes += try Self.storedRecord(path, position).count }
        let last = try Self.storedRecord(path, UInt64(drafts.count))
        #expect(last[0] == 0x81)
        #expect(Array(last[1..<9]) == withUnsafeBytes(of: UInt64(drafts.count).littleEndian, Array.init))
        #expect(Array(last[25..<57]) == head.hash.bytes)
        #expect(Array(last[57..<65]) == [1, 0, 0, 0, 0x28, 0xB5, 0x2F, 0xFD])
        #expect(
            Double(storedBytes) < Double(plainBytes) * 0.6, "\(storedBytes) bytes stored for \(plainBytes) appended")
    }

    @Test func anExportOfACompressedLogImportsToTheSameHeadAndExportsTheSameBytes() throws {
        try Self.expectExportRoundTrip(of: Self.metricsLog)
    }

    /// Exports the log `write` makes, imports the export into a new log and checks the copy (`expectRoundTrip`).
    static func expectExportRoundTrip(of write: (String) throws -> [EventDraft]) throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("log")
        _ = try write(path)
        var lines: [[UInt8]] = []
        let head = try {
            let log = try EventLog.open(directory: path, options: .init(create: false))
            try log.exportNDJSON { lines.append($0) }
            return try log.read { try $0.head() }
        }()
        try expectRoundTrip(lines, into: directory.appending("imported"), head: head)
    }

    @Test func aDamagedCompressedRecordIsNamedWhereItLies() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("log")
        _ = try Self.metricsLog(path)
        try Self.damageRecord(path, 900, tag: 0x81) { $0[$0.count - 10] ^= 0xFF }
        let log = try EventLog.open(directory: path, options: .init(create: false))
        let report = try log.verify()
        #expect(report.problem?.position == 900)
        #expect(report.problem?.reason.contains("undecodable record") == true, "\(report.problem?.reason ?? "")")
        #expect(throws: EventLogError.self) { try log.read { try $0.event(at: 900) } }
        #expect(try log.read { try $0.event(at: 899) } != nil, "its neighbours read as before")
    }
}
