import EventLog
import EventLogTesting
import Foundation
import JSON
import Testing

/// Format 4 (FORMAT.md, "Stored records"): a record LZ4 brings to a quarter is stored as an LZ4 block, which a
/// replay decodes several times faster; one of many differing numbers as a zstd frame, when that is at least an
/// eighth smaller. Readers see the plain record either way, one after another in the same walk.
@Suite struct RecordCodecTests {
    /// The same words in every record of this kind, and a few small counters: LZ4 keeps well under a quarter.
    static func repetitive(_ index: Int) -> JSONValue {
        .object([
            ("backtest_id", .string("bt-\(index % 50)-5f0c9a6e8b7d4c3a")), ("generation", .number(index % 10)),
            ("lab_id", .string("lab-\(index % 7)")), ("market", .string("BINANCE_BTC_USDT_")),
            ("note", .string("a sample event whose words repeat in every record of its kind, as most events do")),
            ("script", .string("haasscript: rsi crossover with trailing stop, version 12, default parameters")),
        ])
    }

    /// 2,400 events, every third one metrics-like (forty differing numbers), in batches of 200: the dictionary
    /// is trained by the fourth batch.
    static func mixedLog(_ path: String) throws -> [EventDraft] {
        let drafts = (0..<2_400).map { index in
            index % 3 == 0
                ? draft("backtest:\(index % 300)", "metrics.computed", PackedStorageTests.metrics(index))
                : draft("backtest:\(index % 300)", "haas.backtest.observed", repetitive(index))
        }
        try PackedStorageTests.appendInBatches(drafts, batch: 200, to: path)
        return drafts
    }

    @Test func eachRecordIsStoredInTheCodecThatSuitsItAndReadsBackAsAppended() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("log")
        let drafts = try Self.mixedLog(path)
        var plainSizes: [Int] = []
        let events: [RecordedEvent]
        do {
            let log = try EventLog.open(directory: path, options: .init(create: false))
            events = try allEvents(log)
            #expect(events.count == drafts.count)
            let unlike = zip(events, drafts).filter { event, draft in
                event.payload.canonicalBytes != draft.payload.canonicalBytes || event.stream != draft.stream
                    || event.type != draft.type || event.id != draft.id
            }.map(\.0.position)
            #expect(unlike.isEmpty, "read back unlike appended")
            // One walk meets LZ4 after LZ4 and after zstd: the rebuilt bytes must be the plain record each time.
            var unlikeViews: [UInt64] = []
            try log.read { reader in
                try reader.forEachView { view in
                    let event = events[Int(view.position) - 1]
                    let payload = try view.withPayloadBytes { Array($0) == event.payload.canonicalBytes }
                    let type = try view.withTypeBytes { Array($0) == Array(event.type.utf8) }
                    if !payload || !type || view.streamVersion != event.streamVersion
                        || view.recordedAt != event.recordedAt
                    {
                        unlikeViews.append(view.position)
                    }
                    plainSizes.append(view.recordBytes)
                    return true
                }
            }
            #expect(unlikeViews.isEmpty, "views unlike the events")
            for position in [2_399, 7, 2_398, 1_200, 2_400] {
                #expect(try log.read { try $0.event(at: UInt64(position)) } == events[position - 1])
            }
            #expect(try log.verify().isValid)
        }
        var tags: [UInt8: Int] = [:]
        for position in 1...drafts.count {
            tags[try PackedStorageTests.storedRecord(path, UInt64(position))[0], default: 0] += 1
        }
        #expect(tags[1, default: 0] > 0, "records before the dictionary stay plain")
        #expect(tags[0x82, default: 0] > 1_000, "\(tags)")
        #expect(tags[0x81, default: 0] > 500, "\(tags)")
        // The layout FORMAT.md pins for an LZ4 record (2,399 is repetitive) and a zstd one (2,398 is metrics).
        let lz4 = try PackedStorageTests.storedRecord(path, 2_399)
        #expect(lz4[0] == 0x82)
        #expect(Array(lz4[1..<9]) == withUnsafeBytes(of: UInt64(2_399).littleEndian, Array.init))
        #expect(Array(lz4[25..<57]) == events[2_398].hash.bytes)
        #expect(Array(lz4[57..<61]) == [1, 0, 0, 0])
        let tailSize = UInt32(plainSizes[2_398] - 32 - 25)
        #expect(Array(lz4[61..<65]) == withUnsafeBytes(of: tailSize.littleEndian, Array.init))
        #expect((lz4.count - 65) * 4 <= Int(tailSize), "kept as LZ4 because it is at most a quarter")
        let zstd = try PackedStorageTests.storedRecord(path, 2_398)
        #expect(Array(zstd[0..<1]) + Array(zstd[57..<65]) == [0x81, 1, 0, 0, 0, 0x28, 0xB5, 0x2F, 0xFD])
    }

    @Test func anExportOfAMixedLogImportsToTheSameHeadAndExportsTheSameBytes() throws {
        try PackedStorageTests.expectExportRoundTrip(of: Self.mixedLog)
    }

    @Test func aDamagedLZ4RecordIsFoundWhereItLies() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("log")
        _ = try Self.mixedLog(path)
        // An LZ4 block carries no checksum: a changed byte may still decode, to other bytes, which the hash
        // chain catches; plain records have the same guard.
        try PackedStorageTests.damageRecord(path, 2_000, tag: 0x82) { $0[$0.count - 3] ^= 0x5A }
        // A size the block cannot hold is refused before anything is allocated for it.
        try PackedStorageTests.damageRecord(path, 2_300, tag: 0x82) {
            $0.replaceSubrange(61..<65, with: [0xFF, 0xFF, 0xFF, 0x7F])
        }
        let log = try EventLog.open(directory: path, options: .init(create: false))
        #expect(try log.verify().problem?.position == 2_000)
        #expect(throws: EventLogError.self) { try log.read { try $0.event(at: 2_300) } }
        do {
            _ = try log.read { try $0.event(at: 2_300) }
        } catch {
            #expect("\(error)".contains("names a size its block cannot hold"), "\(error)")
        }
        #expect(try log.read { try $0.event(at: 2_299) } != nil, "its neighbours read as before")
    }

    @Test func aDamagedCountIsRefusedBeforeAnythingIsAllocatedForIt() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("log")
        _ = try Self.mixedLog(path)
        // Position 1 is plain: the fixed envelope, "backtest:0", "metrics.computed", no source, then the blob count
        // (tools/fuzz found a count of billions asking for 74 GB).
        try PackedStorageTests.damageRecord(path, 1, tag: 1) {
            $0.replaceSubrange(128..<132, with: [0xFF, 0xFF, 0xFF, 0xFF])
        }
        let log = try EventLog.open(directory: path, options: .init(create: false))
        do {
            _ = try log.read { try $0.event(at: 1) }
            Issue.record("a blob count past the end of the record was read")
        } catch {
            #expect("\(error)".contains("blob count 4294967295 runs past the end of the record"), "\(error)")
        }
        #expect(try log.verify().problem?.position == 1)
    }
}
