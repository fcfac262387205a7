/// The newest event of the log.
public struct LogHead: Sendable, Equatable {
    public let position: UInt64
    public let hash: SHA256Hash
    public let recordedAt: Int64
}

/// Reads one consistent snapshot of the log. Lent to a closure by `EventLog.read`; it cannot escape it.
public struct LogReader: ~Copyable {
    let txn: LMDBTransaction
    let dbs: LogDatabases
    let codec: BlobCodec
    let records: RecordCodec

    /// Gives back the pages of the log this process has read so far (they stay cached by the kernel): called
    /// every so often by a replay of the whole log, it keeps resident memory from growing with the log's size.
    public func releaseMappedPages() { txn.releaseMappedPages() }

    /// How many events a long walk visits between two `releaseMappedPages()`.
    public static let pagesReleasedEvery = 100_000

    /// How many blobs a long read of bodies takes between two `releaseMappedPages()`: each is a few KB, but the
    /// kernel maps 64 KB around it, so a walk's interval would hold gigabytes (`log export` of 4 GB of bodies
    /// peaked at 1.1 GB; with this, 127 MB).
    public static let blobsBetweenReleases = 500

    /// The newest event, or nil for an empty log.
    public func head() throws -> LogHead? { try LogReader.readHead(txn: txn, dbs: dbs) }

    static func readHead(txn: borrowing LMDBTransaction, dbs: LogDatabases) throws -> LogHead? {
        try txn.withCursor(dbs.events) { cursor in
            guard let last = try cursor.last() else { return nil }
            let position = Keys.uint64(last.key, bigEndian: true)
            // The hash and time are read where they lie, compressed record or not.
            guard let hash = StoredRecord(value: last.value).hash else {
                throw EventLogError.corruptRecord(position: position, reason: "record is truncated")
            }
            return LogHead(
                position: position, hash: SHA256Hash(hash), recordedAt: RecordDecoder(record: last.value).recordedAt)
        }
    }

    /// The event at `position`, or nil when there is none.
    public func event(at position: UInt64) throws -> RecordedEvent? {
        var scratch = RecordScratch()
        return try Keys.withPosition(position) { key in
            try txn.get(dbs.events, key).map { try decode($0, position: position, scratch: &scratch) }
        }
    }

    /// Visits events in position order from `from` through `through` (inclusive) until `visit` returns false.
    public func forEachEvent(
        from: UInt64 = 1, through: UInt64 = .max, _ visit: (RecordedEvent) throws -> Bool
    ) throws {
        guard from <= through else { return }
        var scratch = RecordScratch()
        try txn.withCursor(dbs.events) { cursor in
            var entry = try Keys.withPosition(from) { try cursor.seek(atLeast: $0) }
            var visited = 0
            while let current = entry {
                let position = Keys.uint64(current.key, bigEndian: true)
                if position > through { return }
                guard try visit(try decode(current.value, position: position, scratch: &scratch)) else { return }
                // A walk over the whole log (an export) keeps only the pages it is reading resident.
                visited += 1
                if visited % Self.pagesReleasedEvery == 0 { releaseMappedPages() }
                entry = try cursor.next()
            }
        }
    }

    /// Visits the events of one stream in version order, starting at `fromVersion`.
    ///
    /// Walks the stream's `previousInStream` links back from its head, then visits forward: the cost grows
    /// with the stream's length, not the log's.
    public func forEachEvent(
        inStream stream: String, fromVersion: UInt64 = 1, _ visit: (RecordedEvent) throws -> Bool
    ) throws {
        guard let head = try streamHead(stream), head.version >= fromVersion else { return }
        var chain: [RecordedEvent] = []
        chain.reserveCapacity(Int(min(head.version - fromVersion + 1, 1 << 16)))
        var position = head.lastPosition
        while true {
            guard let event = try event(at: position) else {
                throw EventLogError.corruptRecord(
                    position: position, reason: "stream '\(stream)' links to a missing event")
            }
            guard event.stream == stream else {
                throw EventLogError.corruptRecord(
                    position: position, reason: "stream '\(stream)' links to an event of '\(event.stream)'")
            }
            chain.append(event)
            guard event.streamVersion > fromVersion, let previous = event.previousInStream else { break }
            position = previous
        }
        for event in chain.reversed() {
            guard try visit(event) else { return }
        }
    }

    /// Visits the events of one type in position order, starting at position `from`.
    public func forEachEvent(
        ofType type: String, from: UInt64 = 1, _ visit: (RecordedEvent) throws -> Bool
    ) throws {
        let number = try Keys.withUTF8(type) { key in
            try txn.get(dbs.types, key).map { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
        }
        guard let number else { return }
        try txn.withCursor(dbs.typeIndex) { cursor in
            var entry = try Keys.withTypeEntry(number, from) { try cursor.seek(key: $0, valueAtLeast: $1) }
            while let current = entry {
                let position = Keys.uint64(current.value, bigEndian: true)
                guard let event = try event(at: position) else {
                    throw EventLogError.corruptRecord(
                        position: position, reason: "type index points at a missing event")
                }
                guard try visit(event) else { return }
                entry = try cursor.nextDuplicate()
            }
        }
    }

    /// The position of the event with this id, or nil when the log does not hold it.
    public func position(ofID id: EventID) throws -> UInt64? {
        try Keys.withID(id) { key in try txn.get(dbs.ids, key).map { Keys.uint64($0, bigEndian: false) } }
    }

    /// The current version of `stream` (0 when it has no events).
    public func streamVersion(_ stream: String) throws -> UInt64 {
        try streamHead(stream)?.version ?? 0
    }

    func streamHead(_ stream: String) throws -> AppendBatch.StreamHead? {
        try Keys.withUTF8(stream) { key in
            try txn.get(dbs.streams, key).map {
                AppendBatch.StreamHead(
                    version: Keys.uint64($0, bigEndian: false),
                    lastPosition: Keys.uint64($0, at: 8, bigEndian: false), dirty: false)
            }
        }
    }

    /// The last position whose `recordedAt` is at or before `time` (µs), or 0 when every event is later.
    /// `recordedAt` never decreases along positions, so this is a binary search over the log.
    public func position(asOf time: Int64) throws -> UInt64 {
        guard let head = try head() else { return 0 }
        var low: UInt64 = 0  // recordedAt(low) <= time holds (position 0 is "before everything")
        var high = head.position + 1  // recordedAt(high) > time holds
        while high - low > 1 {
            let middle = low + (high - low) / 2
            let recordedAt = try Keys.withPosition(middle) { key -> Int64 in
                guard let record = try txn.get(dbs.events, key) else {
                    throw EventLogError.corruptRecord(position: middle, reason: "missing (gap in positions)")
                }
                return RecordDecoder(record: record).recordedAt
            }
            if recordedAt <= time { low = middle } else { high = middle }
        }
        return low
    }

    /// The bytes of a stored blob, or nil when the store does not hold it.
    public func blob(_ hash: SHA256Hash) throws -> [UInt8]? {
        switch try codec.content(of: hash, txn: txn, dbs: dbs) {
        case nil: return nil
        case .success(let bytes): return bytes
        case .failure(let problem): throw EventLogError.corruptRecord(position: 0, reason: problem.describe(hash))
        }
    }

    static func decode(_ record: UnsafeRawBufferPointer, position: UInt64) throws -> RecordedEvent {
        do {
            return try RecordDecoder(record: record).decode()
        } catch {
            throw EventLogError.corruptRecord(position: position, reason: error.reason)
        }
    }

    /// A stored value (plain or compressed) as an owned event.
    func decode(_ stored: UnsafeRawBufferPointer, position: UInt64, scratch: inout RecordScratch) throws
        -> RecordedEvent
    {
        try withPlainRecord(stored, position: position, scratch: &scratch) {
            try LogReader.decode($0, position: position)
        }
    }

    /// `body` with the plain record (envelope ‖ hash) of a stored value; a record that cannot be rebuilt is
    /// reported as corrupt at `position`.
    func withPlainRecord<R>(
        _ stored: UnsafeRawBufferPointer, position: UInt64, scratch: inout RecordScratch,
        _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        do {
            return try StoredRecord(value: stored).withPlain(
                codec: records, txn: txn, dbs: dbs, scratch: &scratch, body)
        } catch let corrupt as RecordDecoder.Corrupt {
            throw EventLogError.corruptRecord(position: position, reason: corrupt.reason)
        }
    }
}
