import EventLog
import EventLogTesting
import Foundation
import JSON
import Testing

@Suite struct IntegrityTests {
    /// Appends 10 events, two of them carrying blobs, and closes the log.
    func sampleLog() throws -> (TemporaryDirectory, String, LogHead) {
        let directory = try TemporaryDirectory()
        let path = directory.appending("log")
        let head: LogHead = try {
            let log = try EventLog.open(directory: path, options: .init(clock: ManualClock()))
            try log.append(
                (1...10).map { index in
                    draft(
                        "s:\(index % 3)", "t", .object([("n", .number(Int64(index)))]),
                        blobs: index % 5 == 0 ? [Blob("body \(index)")] : [])
                })
            return try #require(try log.read { try $0.head() })
        }()
        return (directory, path, head)
    }

    @Test func verifyNamesTheFirstAlteredPayload() throws {
        let (directory, path, _) = try sampleLog()
        _ = directory
        try RawLMDB.modify(directory: path, database: "events", key: RawLMDB.positionKey(6)) { record in
            // Flip a digit inside the payload ("n":6 → "n":7), keeping the record well-formed.
            let index = record.lastIndex(of: UInt8(ascii: "6"))!
            record[index] = UInt8(ascii: "7")
        }
        let log = try EventLog.open(directory: path, options: .init(create: false))
        let report = try log.verify()
        #expect(!report.isValid)
        #expect(report.problem?.position == 6)
        #expect(report.problem?.reason.contains("hash mismatch") == true)
    }

    @Test func verifyDetectsAnAlteredBlobAndAMissingEvent() throws {
        let (directory, path, _) = try sampleLog()
        _ = directory
        let hash = Blob("body 5").hash
        try RawLMDB.modify(directory: path, database: "blobs", key: hash.bytes) { $0[3] ^= 0x01 }
        let blobReport = try EventLog.open(directory: path, options: .init(create: false)).verify()
        #expect(blobReport.problem?.position == 5)
        #expect(blobReport.problem?.reason.contains("was altered") == true)

        let (directory2, path2, _) = try sampleLog()
        _ = directory2
        try RawLMDB.delete(directory: path2, database: "events", key: RawLMDB.positionKey(4))
        let gapReport = try EventLog.open(directory: path2, options: .init(create: false)).verify()
        #expect(gapReport.problem?.position == 4)
        #expect(gapReport.problem?.reason.contains("missing") == true)
    }

    @Test func expectedHeadDetectsTruncation() throws {
        let (directory, path, head) = try sampleLog()
        _ = directory
        let log = try EventLog.open(directory: path, options: .init(create: false))
        #expect(try log.verify(expectedHead: head.hash).isValid)
        let earlier = try #require(try log.read { try $0.event(at: 3) })
        #expect(try log.verify(expectedHead: earlier.hash).expectedHeadFound == true)
        let foreign = SHA256Hash.of([1, 2, 3])
        let report = try log.verify(expectedHead: foreign)
        #expect(report.expectedHeadFound == false)
        #expect(!report.isValid)
    }

    @Test func refusesAnUnknownNewerFormat() throws {
        let (directory, path, _) = try sampleLog()
        _ = directory
        try RawLMDB.put(
            directory: path, database: "meta", key: Array("format".utf8),
            value: withUnsafeBytes(of: UInt32(99).littleEndian) { Array($0) })
        let error = #expect(throws: EventLogError.self) { try EventLog.open(directory: path) }
        #expect(error == .unsupportedFormat(path: path, found: 99, supported: EventLog.formatVersion))
        #expect(error?.description.contains("format version 99") == true)
    }

    @Test func refusesAForeignLMDBEnvironmentAndAMissingLedger() throws {
        let directory = try TemporaryDirectory()
        try RawLMDB.put(directory: directory.path, database: "events", key: [1], value: [2])
        let foreign = #expect(throws: EventLogError.self) { try EventLog.open(directory: directory.path) }
        guard case .notALedger? = foreign else {
            Issue.record("expected notALedger, got \(String(describing: foreign))")
            return
        }
        let missing = directory.appending("nothing-here")
        #expect(throws: EventLogError.notFound(path: missing)) {
            try EventLog.open(directory: missing, options: .init(create: false))
        }
    }

    @Test func aSecondOpenInOneProcessIsRefused() throws {
        let fixture = try TestLog()
        #expect(throws: EventLogError.alreadyOpen(path: fixture.path)) { try EventLog.open(directory: fixture.path) }
        _ = fixture.log
    }

    @Test func exportThenImportReproducesTheHeadHash() throws {
        let (directory, path, head) = try sampleLog()
        var lines: [[UInt8]] = []
        let exported = try EventLog.open(directory: path, options: .init(create: false)).exportNDJSON {
            lines.append($0)
        }
        #expect(exported == 10)
        let text = lines.map { String(decoding: $0, as: UTF8.self) }
        #expect(text[4].contains(#""data":"#), "the first reference carries the blob's bytes")
        try expectRoundTrip(lines, into: directory.appending("imported"), head: head)
    }

    @Test func importRefusesANonEmptyLogAndAnAlteredExport() throws {
        let (directory, path, _) = try sampleLog()
        var lines: [[UInt8]] = []
        try EventLog.open(directory: path, options: .init(create: false)).exportNDJSON { lines.append($0) }
        let numbered = lines.enumerated().map { ($0.offset + 1, $0.element) }
        #expect(throws: EventLogError.importIntoNonEmptyLog(path: path, events: 10)) {
            try EventLog.importNDJSON(numbered, into: path)
        }
        var altered = numbered
        altered[6].1 = Array(
            String(decoding: altered[6].1, as: UTF8.self).replacingOccurrences(of: #""n":7"#, with: #""n":8"#).utf8)
        let target = directory.appending("altered")
        let error = #expect(throws: EventLogError.self) { try EventLog.importNDJSON(altered, into: target) }
        guard case .invalidExport(let line, let reason)? = error else {
            Issue.record("expected invalidExport, got \(String(describing: error))")
            return
        }
        #expect(line == 7)
        #expect(reason.contains("hash does not match"))
        #expect(!FileManager.default.fileExists(atPath: target), "a failed import leaves nothing behind")
        #expect(!FileManager.default.fileExists(atPath: target + ".importing"))
    }
}

extension IntegrityTests {
    @Test func verifyDetectsADamagedIndex() throws {
        let (directory, path, _) = try sampleLog()
        _ = directory
        // Point the id of event 3 at another position, as a bad restore of one database file would.
        let event3 = try EventLog.open(directory: path, options: .init(create: false)).read { try $0.event(at: 3) }
        let id = try #require(event3?.id)
        try RawLMDB.put(
            directory: path, database: "ids", key: id.bigEndianBytes,
            value: withUnsafeBytes(of: UInt64(9).littleEndian) { Array($0) })
        let report = try EventLog.open(directory: path, options: .init(create: false)).verify()
        #expect(report.problem?.position == 3)
        #expect(report.problem?.reason.contains("id index") == true)
    }

    /// LMDB takes an empty data file for a new log: an emptied `data.mdb` is refused as damaged instead of read
    /// as a ledger that never recorded anything.
    @Test func anEmptiedDataFileIsNotAnEmptyLog() throws {
        let (directory, path, _) = try sampleLog()
        _ = directory
        #expect(truncate(path + "/data.mdb", 0) == 0)
        let error = #expect(throws: EventLogError.self) {
            try EventLog.open(directory: path, options: .init(create: false))
        }
        guard case .notALedger(_, let reason)? = error else {
            Issue.record("expected notALedger, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("empty (0 bytes)"))
    }
}

extension IntegrityTests {
    /// Verify checks each stream link against the event it points at and the stream table against the log, in
    /// memory that does not grow with the log: a head that is not its stream's last event, a stream missing from
    /// the table or one the log never had, are each named.
    @Test(arguments: [
        ("s:1", 3, 7, "account for 9 events"), ("s:1", 4, 7, "the event there is version 3"),
        ("s:9", 1, 1, "of 's:1'"), ("s:2", 0, 0, "account for 7 events"),
    ])
    func verifyHoldsTheStreamTableToTheLog(stream: String, version: Int, last: Int, reason: String) throws {
        let (directory, path, _) = try sampleLog()
        _ = directory
        #expect(try EventLog.open(directory: path, options: .init(create: false)).verify().isValid)
        let key = Array(stream.utf8)
        if version == 0 {
            try RawLMDB.delete(directory: path, database: "streams", key: key)
        } else {
            let value = [UInt64(version), UInt64(last)].flatMap { number in
                withUnsafeBytes(of: number.littleEndian) { Array($0) }
            }
            try RawLMDB.put(directory: path, database: "streams", key: key, value: value)
        }
        let report = try EventLog.open(directory: path, options: .init(create: false)).verify()
        #expect(report.problem?.position == 0)
        #expect(report.problem?.reason.contains(reason) == true, "\(String(describing: report.problem))")
    }
}
