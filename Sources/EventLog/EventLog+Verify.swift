/// What `verify` found.
public struct VerifyReport: Sendable, Equatable {
    /// The first thing wrong, by position (0 for problems outside the event sequence, such as a bad blob).
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public let position: UInt64
        public let reason: String
        public var description: String {
            position == 0 ? reason : "position \(position): \(reason)"
        }
    }

    public let eventsChecked: UInt64
    public let blobsChecked: Int
    public let head: LogHead?
    /// Set when the caller gave an expected head hash: whether the chain contains it.
    public let expectedHeadFound: Bool?
    public let problem: Problem?

    public var isValid: Bool { problem == nil && expectedHeadFound != false }
}

extension EventLog {
    /// Re-walks the hash chain from position 1, the indexes each event should appear in, and every blob.
    ///
    /// - Parameter expectedHead: a head hash kept elsewhere earlier; the chain must contain it, which is
    ///   how truncation or a rewritten tail is detected.
    public func verify(expectedHead: SHA256Hash? = nil) throws -> VerifyReport {
        try read { reader in try ChainVerifier(reader: reader, expectedHead: expectedHead).run() }
    }
}

private struct ChainVerifier: ~Copyable {
    let reader: LogReader
    let expectedHead: SHA256Hash?
    /// Each event also reads its stream predecessor, anywhere in the file, and the kernel maps 64 KB around each
    /// read: the mapped pages are given back a hundred times as often as a walk in position order does
    /// (`LogReader.pagesReleasedEvery`). At every 10,000 events, a log of 550,202 events in 300,201 streams
    /// peaked at 547 MB resident.
    static let pagesReleasedEvery = 1_000

    init(reader: borrowing LogReader, expectedHead: SHA256Hash?) {
        self.reader = LogReader(
            txn: LMDBTransaction(handle: reader.txn.handle), dbs: reader.dbs, codec: reader.codec,
            records: reader.records)
        self.expectedHead = expectedHead
    }

    /// Streams whose last checked event is remembered, so the next event of the stream is checked against it
    /// without reading (and decompressing) its predecessor again: at most this many, then forgotten at once.
    /// About 50 bytes each for names of up to 15 bytes (more for longer ones): a million streams stay well under
    /// the 256 MB a read command may use, and a ledger of 100,000 backtests keeps them all.
    static let rememberedStreams = 1 << 20

    /// One pass in position order checks each event against its predecessor in the chain and in its stream
    /// (remembered, or read back by position), so memory does not grow with the log; then the stream table's
    /// heads must account for every event, and every stored blob must hash to its key.
    func run() throws -> VerifyReport {
        var lastInStream: [String: (position: UInt64, version: UInt64)] = [:]
        var previous = SHA256Hash.zero
        var expectedPosition: UInt64 = 1
        var lastRecordedAt = Int64.min
        var foundExpected = expectedHead == nil ? nil : Optional(false)
        var problem: VerifyReport.Problem?
        var head: LogHead?

        func fail(_ position: UInt64, _ reason: String) {
            if problem == nil { problem = VerifyReport.Problem(position: position, reason: reason) }
        }

        var scratch = RecordScratch()
        try reader.txn.withCursor(reader.dbs.events) { cursor in
            var entry = try cursor.first()
            while let current = entry, problem == nil {
                let position = Keys.uint64(current.key, bigEndian: true)
                defer { expectedPosition += 1 }
                if current.key.count != 8 { fail(expectedPosition, "key is \(current.key.count) bytes, not 8"); return }
                if position != expectedPosition {
                    fail(expectedPosition, "missing: the next stored position is \(position)"); return
                }
                let event: RecordedEvent
                let computed: SHA256Hash
                do {
                    (computed, event) = try StoredRecord(value: current.value).withPlain(
                        codec: reader.records, txn: reader.txn, dbs: reader.dbs, scratch: &scratch
                    ) { record in
                        let decoder = RecordDecoder(record: record)
                        return (
                            SHA256Hash.chain(previous: previous, envelope: try decoder.envelope), try decoder.decode()
                        )
                    }
                } catch let corrupt as RecordDecoder.Corrupt {
                    fail(position, "undecodable record: \(corrupt.reason)")
                    return
                }
                if computed != event.hash {
                    fail(
                        position,
                        "hash mismatch: the record was altered (stored \(event.hash.hex), computed \(computed.hex))");
                    return
                }
                if event.position != position { fail(position, "envelope says position \(event.position)"); return }
                if event.recordedAt < lastRecordedAt { fail(position, "recordedAt goes backwards"); return }
                if let reason = try streamLinkProblem(event, lastInStream[event.stream]) {
                    fail(position, reason); return
                }
                if lastInStream.count >= Self.rememberedStreams { lastInStream.removeAll(keepingCapacity: true) }
                lastInStream[event.stream] = (position, event.streamVersion)
                try checkIndexes(event, fail: fail)
                for hash in event.blobHashes {
                    let stored = try hash.withUnsafeBytes { try reader.txn.get(reader.dbs.blobs, $0) != nil }
                    if !stored { fail(position, "blob \(hash.hex) is missing"); return }
                }
                if let expectedHead, event.hash == expectedHead { foundExpected = true }
                previous = event.hash
                lastRecordedAt = event.recordedAt
                head = LogHead(position: position, hash: event.hash, recordedAt: event.recordedAt)
                if position % UInt64(Self.pagesReleasedEvery) == 0 { reader.releaseMappedPages() }
                entry = try cursor.next()
            }
        }
        let events = expectedPosition - 1
        if problem == nil, let reason = try streamTableProblem(events: events) { fail(0, reason) }
        var blobsChecked = 0
        if problem == nil {
            try reader.txn.withCursor(reader.dbs.blobs) { cursor in
                var entry = try cursor.first()
                while let current = entry, problem == nil {
                    let hash = SHA256Hash(current.key)
                    if let reason = try blobProblem(hash) { fail(try firstReference(to: hash) ?? 0, reason) }
                    blobsChecked += 1
                    if blobsChecked % LogReader.blobsBetweenReleases == 0 { reader.releaseMappedPages() }
                    entry = try cursor.next()
                }
            }
        }
        return VerifyReport(
            eventsChecked: events, blobsChecked: blobsChecked, head: head, expectedHeadFound: foundExpected,
            problem: problem)
    }

    /// Version 1 of a stream links back to nothing; any later version links back to an earlier event of the
    /// same stream, one version before it. `remembered` is the stream's last event checked in this walk, if
    /// known: a link to it, one version on, needs no read.
    private func streamLinkProblem(_ event: RecordedEvent, _ remembered: (position: UInt64, version: UInt64)?)
        throws -> String?
    {
        let link = event.previousInStream ?? 0
        if let remembered, event.streamVersion > 1, link == remembered.position,
            event.streamVersion == remembered.version + 1
        {
            return nil
        }
        guard event.streamVersion > 1 else {
            if event.streamVersion == 0 { return "stream '\(event.stream)' version is 0, expected at least 1" }
            return link == 0 ? nil : "stream '\(event.stream)' links back to \(link), expected 0 (version 1)"
        }
        guard link > 0, link < event.position, let before = try reader.event(at: link) else {
            return
                "stream '\(event.stream)' version \(event.streamVersion) links back to \(link), not to an earlier event"
        }
        if before.stream != event.stream {
            return "stream '\(event.stream)' links back to \(link), an event of '\(before.stream)'"
        }
        if event.streamVersion != before.streamVersion + 1 {
            return "stream '\(event.stream)' version is \(event.streamVersion), expected \(before.streamVersion + 1)"
        }
        return nil
    }

    /// Each stream's head in the stream table must be its last event, and the heads' versions must add up to
    /// the log's events: with every link already checked, that leaves no event outside its stream's chain and
    /// no chain that forks.
    private func streamTableProblem(events: UInt64) throws -> String? {
        var accounted: UInt64 = 0
        var problem: String?
        var streams = 0
        try reader.txn.withCursor(reader.dbs.streams) { cursor in
            var entry = try cursor.first()
            while let current = entry, problem == nil {
                streams += 1
                if streams % Self.pagesReleasedEvery == 0 { reader.releaseMappedPages() }
                let stream = String(decoding: current.key, as: UTF8.self)
                let version = Keys.uint64(current.value, bigEndian: false)
                let last = Keys.uint64(current.value, at: 8, bigEndian: false)
                let event = try reader.event(at: last)
                if event?.stream != stream || event?.streamVersion != version {
                    problem =
                        "stream table says '\(stream)' is at version \(version) ending at \(last); the event there is version \(event?.streamVersion ?? 0) of '\(event?.stream ?? "nothing")'"
                }
                accounted &+= version
                entry = try cursor.next()
            }
        }
        if problem == nil, accounted != events {
            problem =
                "the stream table's heads account for \(accounted) events; the log has \(events) (an event outside its stream's chain, or a stream missing from the table)"
        }
        return problem
    }

    /// The first event that refers to a blob (to name where a damaged blob shows), found only when one is.
    private func firstReference(to hash: SHA256Hash) throws -> UInt64? {
        var found: UInt64?
        try reader.forEachEvent { event in
            if event.blobHashes.contains(hash) { found = event.position }
            return found == nil
        }
        return found
    }

    private func checkIndexes(_ event: RecordedEvent, fail: (UInt64, String) -> Void) throws {
        let indexed = try Keys.withID(event.id) { key in
            try reader.txn.get(reader.dbs.ids, key).map { Keys.uint64($0, bigEndian: false) }
        }
        if indexed != event.position {
            fail(event.position, "id index maps \(event.id) to \(indexed.map(String.init) ?? "nothing")")
            return
        }
        let typeNumber = try Keys.withUTF8(event.type) { key in
            try reader.txn.get(reader.dbs.types, key).map { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
        }
        guard let typeNumber else {
            fail(event.position, "type '\(event.type)' is missing from the type table")
            return
        }
        let typeIndexed = try reader.txn.withCursor(reader.dbs.typeIndex) { cursor in
            try Keys.withTypeEntry(typeNumber, event.position) { try cursor.seek(key: $0, value: $1) != nil }
        }
        if !typeIndexed { fail(event.position, "type index has no entry for this event") }
    }

    private func blobProblem(_ hash: SHA256Hash) throws -> String? {
        let content: [UInt8]
        switch try reader.codec.content(of: hash, txn: reader.txn, dbs: reader.dbs) {
        case nil: return "blob \(hash.hex) is missing"
        case .success(let bytes): content = bytes
        case .failure(let problem): return problem.describe(hash)
        }
        let actual = content.withUnsafeBytes { SHA256Hash.of($0) }
        return actual == hash ? nil : "blob \(hash.hex) was altered (its content hashes to \(actual.hex))"
    }
}
