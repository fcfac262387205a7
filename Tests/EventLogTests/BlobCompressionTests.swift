import EventLog
import EventLogTesting
import Foundation
import JSON
import Testing

/// Blobs are kept zstd-compressed, with a dictionary the ledger trains on its own bodies; whatever the
/// encoding, a blob reads back as the bytes it was given, under the SHA-256 of those bytes (issue 15, storage).
@Suite struct BlobCompressionTests {
    /// A runtime-like JSON body: the same keys every time, numbers that differ.
    static func body(_ index: Int, trades: Int = 40) -> Blob {
        var random = SeededRandom(seed: UInt64(index) &+ 7)
        let orders = (0..<trades).map { trade in
            #"{"id":"\#(index)-\#(trade)","ot":\#(1_700_000_000 + trade * 3_600),"ct":\#(1_700_000_000 + trade * 3_600 + 60),"p":\#(Double(random.next() % 100_000) / 100),"a":\#(Double(random.next() % 1_000) / 10),"fe":0.075,"pl":"USDT","d":\#(trade % 2 == 0 ? 1 : -1),"n":"LE"}"#
        }
        return Blob(
            #"{"Success":true,"Error":"","Data":{"ID":"bt-\#(index)","AID":"account","M":"BINANCE_BTC_USDT_","Reports":{"PR":{"ROI":\#(Double(random.next() % 5_000) / 100),"RP":12.5,"WT":\#(random.next() % 40)},"O":[\#(orders.joined(separator: ","))]}}}"#
        )
    }

    @Test func aBlobIsStoredCompressedAndReadsBackExactly() throws {
        let fixture = try TestLog()
        let body = Self.body(1)
        try fixture.log.append(draft("s", blobs: [body, Blob("tiny")]))
        let stats = try fixture.log.stats()
        #expect(stats.blobBytes == Int64(body.bytes.count + 4))
        #expect(stats.blobStoredBytes < stats.blobBytes / 2, "a JSON body shrinks without a dictionary too")
        #expect(stats.blobDictionaries == 0)
        #expect(try fixture.log.read { try $0.blob(body.hash) } == body.bytes)
        #expect(try fixture.log.read { try $0.blob(Blob("tiny").hash) } == Array("tiny".utf8))
        #expect(try fixture.log.verify().isValid)
        var exported = ""
        _ = try fixture.log.exportNDJSON { exported += String(decoding: $0, as: UTF8.self) }
        #expect(exported.contains(Data(body.bytes).base64EncodedString()), "export writes the original bytes")
    }

    /// The stored bytes as FORMAT.md documents them: encoding 1, dictionary 0, a zstd frame; identity when tiny.
    @Test func theStoredEncodingIsPinned() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("log")
        let body = Self.body(4)
        do {
            let log = try EventLog.open(directory: path, options: .init(clock: ManualClock()))
            try log.append(draft("s", blobs: [body, Blob("tiny")]))
        }
        var compressed: [UInt8] = []
        var tiny: [UInt8] = []
        try RawLMDB.modify(directory: path, database: "blobs", key: body.hash.bytes) { compressed = $0 }
        try RawLMDB.modify(directory: path, database: "blobs", key: Blob("tiny").hash.bytes) { tiny = $0 }
        #expect(Array(compressed.prefix(9)) == [1, 0, 0, 0, 0, 0x28, 0xB5, 0x2F, 0xFD])
        #expect(tiny == [0] + Array("tiny".utf8))
    }

    /// A blob compressed ahead of its append is stored as the append would store it; the batch that trains a
    /// dictionary encodes its blobs again with it, as it does any other.
    @Test func blobsEncodedAheadAreStoredWithTheDictionaryTheAppendUses() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("log")
        let first = Self.body(1)
        var crossing: [Blob] = []
        let later = Self.body(999_999)
        do {
            let log = try EventLog.open(directory: path, options: .init(initialMapSize: 64 << 20, clock: ManualClock()))
            let ahead = log.encodedAhead(first)
            #expect(ahead == first, "the same bytes and hash")
            try log.append(draft("s", blobs: [ahead, log.encodedAhead(Blob("tiny"))]))
            crossing = (2..<(2 + Int(4 << 20) / first.bytes.count)).map { Self.body($0) }
            try log.append(crossing.map { draft("b:\($0.hash.hex.prefix(6))", blobs: [log.encodedAhead($0)]) })
            #expect(try log.stats().blobDictionaries == 1)
            try log.append(draft("s", blobs: [log.encodedAhead(later)]))
            for body in [first, later] + crossing { #expect(try log.read { try $0.blob(body.hash) } == body.bytes) }
            #expect(try log.verify().isValid)
        }
        func stored(_ blob: Blob) throws -> [UInt8] {
            var value: [UInt8] = []
            try RawLMDB.modify(directory: path, database: "blobs", key: blob.hash.bytes) { value = $0 }
            return value
        }
        #expect(Array(try stored(first).prefix(5)) == [1, 0, 0, 0, 0], "no dictionary yet")
        #expect(try stored(Blob("tiny")) == [0] + Array("tiny".utf8))
        #expect(Array(try stored(crossing[0]).prefix(5)) == [1, 1, 0, 0, 0], "encoded again with the new dictionary")
        #expect(Array(try stored(later).prefix(5)) == [1, 1, 0, 0, 0])
    }

    @Test func aDictionaryIsTrainedOnceEnoughIsStoredAndOldBlobsStayReadable() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("log")
        var bodies: [Blob] = []
        do {
            let log = try EventLog.open(directory: path, options: .init(initialMapSize: 64 << 20, clock: ManualClock()))
            var index = 0
            func append(_ count: Int) throws {
                let batch = (0..<count).map { _ in
                    index += 1
                    return Self.body(index)
                }
                bodies += batch
                try log.append(batch.map { draft("b:\($0.hash.hex.prefix(6))", blobs: [$0]) })
            }
            // Small batches first (no dictionary yet), then the batch that crosses the threshold, then more.
            for _ in 0..<5 { try append(10) }
            let before = try log.stats()
            #expect(before.blobDictionaries == 0)
            let untrainedRatio = Double(before.blobStoredBytes) / Double(before.blobBytes)
            try append(Int(4 << 20) / bodies[0].bytes.count)
            let trainedFrom = try log.stats()
            #expect(trainedFrom.blobDictionaries == 1)
            try append(200)
            let after = try log.stats()
            let newRatio =
                Double(after.blobStoredBytes - trainedFrom.blobStoredBytes)
                / Double(after.blobBytes - trainedFrom.blobBytes)
            #expect(newRatio < untrainedRatio * 0.8, "the dictionary pays: \(newRatio) vs \(untrainedRatio) without")
            #expect(after.blobDictionaries == 1, "trained once")
            for body in bodies { #expect(try log.read { try $0.blob(body.hash) } == body.bytes) }
            #expect(try log.verify().isValid)
        }
        // A later process reads every blob with the dictionary kept in the log.
        let reopened = try EventLog.open(directory: path, options: .init(create: false))
        for body in bodies.suffix(50) { #expect(try reopened.read { try $0.blob(body.hash) } == body.bytes) }
        #expect(try reopened.verify().isValid)
    }

    @Test func aLogOfTheFirstFormatKeepsItsBlobsAndIsStampedByItsFirstBatchWithBlobs() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("log")
        let old = Self.body(1)
        do {
            let log = try EventLog.open(directory: path, options: .init(clock: ManualClock()))
            try log.append(draft("a"))
        }
        // What a format-1 build wrote: the identity encoding, and format 1 in meta.
        try RawLMDB.put(directory: path, database: "blobs", key: old.hash.bytes, value: [0] + old.bytes)
        try RawLMDB.put(directory: path, database: "meta", key: Array("format".utf8), value: [1, 0, 0, 0])
        let log = try EventLog.open(directory: path, options: .init(create: false))
        #expect(try log.stats().formatVersion == 1)
        #expect(try log.read { try $0.blob(old.hash) } == old.bytes)
        let new = Self.body(2)
        try log.append(draft("b", blobs: [new]))
        #expect(try log.stats().formatVersion == EventLog.formatVersion)
        #expect(try log.read { try $0.blob(new.hash) } == new.bytes)
        #expect(try log.read { try $0.blob(old.hash) } == old.bytes)
    }

    @Test func verifyNamesADamagedFrameAndAMissingDictionary() throws {
        let body = Self.body(3)
        func damagedLog(_ change: (inout [UInt8]) -> Void) throws -> (TemporaryDirectory, EventLog) {
            let directory = try TemporaryDirectory()
            let path = directory.appending("log")
            do {
                let log = try EventLog.open(directory: path, options: .init(clock: ManualClock()))
                try log.append(draft("s", blobs: [body]))
            }
            try RawLMDB.modify(directory: path, database: "blobs", key: body.hash.bytes, change)
            return (directory, try EventLog.open(directory: path, options: .init(create: false)))
        }
        let (first, damaged) = try damagedLog { $0[$0.count / 2] ^= 0xFF }
        let report = try damaged.verify()
        #expect(report.problem?.position == 1)
        let reason = report.problem?.reason ?? ""
        #expect(reason.contains("does not decompress"), "the frame's checksum catches it: \(reason)")
        #expect(throws: EventLogError.self) { try damaged.read { try $0.blob(body.hash) } }
        _ = first
        // Name dictionary 9, which the log never trained.
        let (second, missing) = try damagedLog { $0[1] = 9 }
        #expect(try missing.verify().problem?.reason.contains("needs compression dictionary 9") == true)
        _ = second
    }

    /// A log open in this process while another process trains the dictionary uses that one (read from the
    /// log) instead of training a second: its blobs name dictionary 1 and read back exactly.
    @Test func aDictionaryTrainedByAnotherProcessIsUsedNotTrainedAgain() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("log")
        let bodies = (0..<20).map { Self.body(500 + $0) }
        do {
            let log = try EventLog.open(directory: path, options: .init(clock: ManualClock()))
            try log.append(draft("opened before the other process trains"))
            let other = try ChildProcess.run("eventlog-crash-writer", [path, "10", "6", "102400"])
            #expect(other.status == 0, "\(other.stderr)")
            #expect(try log.stats().blobDictionaries == 1)
            try log.append(bodies.map { draft("here", blobs: [$0]) })
            #expect(try log.stats().blobDictionaries == 1, "not trained again")
            for body in bodies { #expect(try log.read { try $0.blob(body.hash) } == body.bytes) }
            #expect(try log.verify().isValid)
        }
        let stored = try PackedStorageTests.storedBlob(path, bodies[0])
        #expect(Array(stored.prefix(5)) == [1, 1, 0, 0, 0], "compressed with the other process's dictionary")
    }
}
