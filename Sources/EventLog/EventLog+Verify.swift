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

    init(reader: borrowing LogReader, expectedHead: SHA256Hash?) {
        self.reader = LogReader(txn: LMDBTransaction(handle: reader.txn.handle), dbs: reader.dbs, codec: reader.codec)
        self.expectedHead = expectedHead
    }

    func run() throws -> VerifyReport {
        var previous = SHA256Hash.zero
        var expectedPosition: UInt64 = 1
        var lastRecordedAt = Int64.min
        var foundExpected = expectedHead == nil ? nil : Optional(false)
        var verifiedBlobs = Set<SHA256Hash>()
        var problem: VerifyReport.Problem?
        var head: LogHead?
        var streams: [String: (version: UInt64, last: UInt64)] = [:]

        func fail(_ position: UInt64, _ reason: String) {
            if problem == nil { problem = VerifyReport.Problem(position: position, reason: reason) }
        }

        try reader.txn.withCursor(reader.dbs.events) { cursor in
            var entry = try cursor.first()
            while let current = entry, problem == nil {
                let position = Keys.uint64(current.key, bigEndian: true)
                defer { expectedPosition += 1 }
                if current.key.count != 8 { fail(expectedPosition, "key is \(current.key.count) bytes, not 8"); return }
                if position != expectedPosition {
                    fail(expectedPosition, "missing: the next stored position is \(position)"); return
                }
                let decoder = RecordDecoder(record: current.value)
                let event: RecordedEvent
                let computed: SHA256Hash
                do throws(RecordDecoder.Corrupt) {
                    computed = SHA256Hash.chain(previous: previous, envelope: try decoder.envelope)
                    event = try decoder.decode()
                } catch {
                    fail(position, "undecodable record: \(error.reason)")
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
                let before = streams[event.stream] ?? (0, 0)
                if event.streamVersion != before.version + 1 {
                    fail(
                        position,
                        "stream '\(event.stream)' version is \(event.streamVersion), expected \(before.version + 1)")
                    return
                }
                if (event.previousInStream ?? 0) != before.last {
                    fail(
                        position,
                        "stream '\(event.stream)' links back to \(event.previousInStream ?? 0), expected \(before.last)"
                    )
                    return
                }
                streams[event.stream] = (event.streamVersion, position)
                try checkIndexes(event, fail: fail)
                for hash in event.blobHashes where !verifiedBlobs.contains(hash) {
                    if let reason = try blobProblem(hash) { fail(position, reason); return }
                    verifiedBlobs.insert(hash)
                }
                if let expectedHead, event.hash == expectedHead { foundExpected = true }
                previous = event.hash
                lastRecordedAt = event.recordedAt
                head = LogHead(position: position, hash: event.hash, recordedAt: event.recordedAt)
                if position % UInt64(LogReader.pagesReleasedEvery) == 0 { reader.releaseMappedPages() }
                entry = try cursor.next()
            }
        }
        if problem == nil {
            for (stream, expected) in streams {
                let head = try reader.streamHead(stream)
                if head?.version != expected.version || head?.lastPosition != expected.last {
                    fail(
                        0,
                        "stream table says '\(stream)' is at version \(head?.version ?? 0) ending at \(head?.lastPosition ?? 0); the log says version \(expected.version) ending at \(expected.last)"
                    )
                    break
                }
            }
            if try reader.txn.entryCount(reader.dbs.streams) != streams.count {
                fail(
                    0,
                    "stream table holds \(try reader.txn.entryCount(reader.dbs.streams)) streams; the log has \(streams.count)"
                )
            }
        }
        var blobsChecked = verifiedBlobs.count
        if problem == nil {
            // Blobs no event refers to still must hold what their key says.
            try reader.txn.withCursor(reader.dbs.blobs) { cursor in
                var entry = try cursor.first()
                while let current = entry, problem == nil {
                    let hash = SHA256Hash(current.key)
                    if !verifiedBlobs.contains(hash) {
                        if let reason = try blobProblem(hash) { fail(0, reason) }
                        blobsChecked += 1
                    }
                    entry = try cursor.next()
                }
            }
        }
        return VerifyReport(
            eventsChecked: expectedPosition - 1, blobsChecked: blobsChecked, head: head,
            expectedHeadFound: foundExpected, problem: problem)
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
        return try hash.withUnsafeBytes { key -> String? in
            guard let stored = try reader.txn.get(reader.dbs.blobs, key) else { return "blob \(hash.hex) is missing" }
            let content: [UInt8]
            switch try reader.codec.content(of: stored, txn: reader.txn, dbs: reader.dbs) {
            case .success(let bytes): content = bytes
            case .failure(let problem): return problem.describe(hash)
            }
            let actual = content.withUnsafeBytes { SHA256Hash.of($0) }
            return actual == hash ? nil : "blob \(hash.hex) was altered (its content hashes to \(actual.hex))"
        }
    }
}
