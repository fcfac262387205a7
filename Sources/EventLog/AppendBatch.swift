/// What the single writer remembers between batches: stream heads and type numbers it has read or written.
///
/// It is valid only while this process made the last commit: `transactionID` is LMDB's id of our last
/// write transaction, and a batch whose transaction id is not the next one (another process appended in
/// between) starts from an empty cache and reads the tables again.
struct WriterCache {
    var transactionID: Int?
    var streams: [String: AppendBatch.StreamHead] = [:]
    var types: [String: UInt32] = [:]

    /// Beyond this many cached streams the cache is dropped after a batch, bounding the writer's memory.
    static let maxStreams = 1_000_000
}

/// The state of one write transaction while it appends: the chain head, the stream heads it touched, and
/// type numbers. Stream heads and new types are written once per batch, in `finish`, not once per event.
struct AppendBatch {
    private let dbs: LogDatabases
    private var headPosition: UInt64
    private var lastRecordedAt: Int64
    private let batchRecordedAt: Int64
    private var cache: WriterCache
    /// Streams whose head this batch changed, in first-touch order.
    private var dirtyStreams: [String] = []
    private var newTypes: [(name: String, number: UInt32)] = []
    private var nextTypeNumber: UInt32?
    /// The chain hash before this batch: where the hasher starts.
    let previousHash: SHA256Hash
    /// The next arena slot whose record `writeRecords` appends.
    private var nextRecord = 0
    private var packer = BlobPacker()

    /// A stream's version and the position of its newest event, as stored in the `streams` table.
    struct StreamHead {
        var version: UInt64
        var lastPosition: UInt64
        /// Changed by the current batch and not yet written to the table.
        var dirty = false
    }

    init(txn: borrowing LMDBTransaction, dbs: LogDatabases, now: Int64, cache: WriterCache) throws {
        self.dbs = dbs
        self.cache = cache
        let head = try LogReader.readHead(txn: txn, dbs: dbs)
        headPosition = head?.position ?? 0
        previousHash = head?.hash ?? .zero
        lastRecordedAt = head?.recordedAt ?? Int64.min
        batchRecordedAt = max(now, lastRecordedAt)
    }

    /// Stages one draft: claims its id, advances its stream, indexes its type, stores its blobs and publishes
    /// its placement in `arena` slot `index` (its place in the caller's batch, also used in error messages).
    /// The record itself is encoded and sealed by `RecordArena.sealAll` and appended by `writeRecords`. The
    /// draft is read through a pointer where it lies: through a buffer's subscript it was copied whole.
    mutating func stage(
        _ draft: UnsafePointer<EventDraft>, index: Int, storedBlobs: [[UInt8]], arena: RecordArena,
        txn: borrowing LMDBTransaction
    ) throws -> AppendOutcome {
        let position = headPosition + 1
        // Claim the id first: one B-tree operation both checks for a repeat and records the new id.
        let claimed = try Keys.withID(draft.pointee.id) { key in
            try withUnsafeBytes(of: position.littleEndian) { value in
                try txn.put(dbs.ids, key, value, flags: [.append, .noOverwrite])
                    || txn.put(dbs.ids, key, value, flags: .noOverwrite)
            }
        }
        if !claimed {
            let original = try Keys.withID(draft.pointee.id) { key in
                try txn.get(dbs.ids, key).map { Keys.uint64($0, bigEndian: false) }
            }
            guard let original else {
                throw EventLogError.corruptRecord(position: position, reason: "id index refused an id it does not hold")
            }
            arena.publishDuplicate(index)
            return .duplicate(position: original)
        }

        let slot = try streamSlot(draft.pointee.stream, txn: txn)
        var stream = cache.streams.values[slot]
        if let expected = draft.pointee.expectedVersion, expected != stream.version {
            throw EventLogError.versionConflict(
                stream: draft.pointee.stream, expected: expected, actual: stream.version)
        }
        let recordedAt = draft.pointee.importedRecordedAt ?? batchRecordedAt
        if recordedAt < lastRecordedAt {
            throw EventLogError.clockRegression(position: position, recordedAt: recordedAt, previous: lastRecordedAt)
        }
        let previousInStream = stream.lastPosition
        stream.version += 1
        stream.lastPosition = position
        if !stream.dirty {
            stream.dirty = true
            dirtyStreams.append(draft.pointee.stream)
        }
        cache.streams.values[slot] = stream
        let typeNumber = try self.typeNumber(draft.pointee.type, txn: txn)

        try Keys.withTypeEntry(typeNumber, position) { key, value in
            _ = try txn.put(dbs.typeIndex, key, value, flags: .appendDuplicate)
        }
        for (blob, stored) in zip(draft.pointee.blobs, storedBlobs) {
            try packer.store(blob.hash, stored: stored, txn: txn, dbs: dbs)
        }
        if let hashes = draft.pointee.importedBlobHashes {
            for hash in hashes where try hash.withUnsafeBytes({ try txn.get(dbs.blobs, $0) }) == nil {
                throw EventLogError.invalidDraft(
                    index: index, reason: "blob \(hash.hex) is referenced but its bytes were never given")
            }
        }

        arena.publishRecord(
            index,
            RecordArena.Placement(
                position: position, recordedAt: recordedAt, streamVersion: stream.version,
                previousInStream: previousInStream))
        headPosition = position
        lastRecordedAt = recordedAt
        return .appended(position: position, streamVersion: stream.version)
    }

    /// Appends sealed records in position order: with `waiting`, every remaining one (waiting for the hasher);
    /// without, only those already sealed, so records are written while they are still in cache.
    mutating func writeRecords(
        _ arena: RecordArena, outcomes: [AppendOutcome], txn: borrowing LMDBTransaction, waiting: Bool
    ) throws {
        let end = waiting ? arena.count : min(arena.sealedCount, outcomes.count)
        while nextRecord < end {
            let index = nextRecord
            nextRecord += 1
            guard let record = arena.waitForRecord(index), case .appended(let position, _) = outcomes[index] else {
                continue
            }
            let appended = try Keys.withPosition(position) { try txn.put(dbs.events, $0, record, flags: .append) }
            guard appended else {
                throw EventLogError.corruptRecord(
                    position: position, reason: "a record already exists at or after this position")
            }
        }
    }

    /// Writes the stream heads and type names the batch changed; returns the cache for the next batch
    /// (to be kept only once the transaction has committed).
    mutating func finish(txn: borrowing LMDBTransaction, transactionID: Int) throws -> WriterCache {
        try packer.flush(txn: txn, dbs: dbs)
        for name in dirtyStreams {
            guard let slot = cache.streams.index(forKey: name) else { continue }
            var head = cache.streams.values[slot]
            try Keys.withUTF8(name) { key in
                try withUnsafeBytes(of: (head.version.littleEndian, head.lastPosition.littleEndian)) {
                    _ = try txn.put(dbs.streams, key, $0)
                }
            }
            head.dirty = false
            cache.streams.values[slot] = head
        }
        for type in newTypes {
            try Keys.withUTF8(type.name) { key in
                try withUnsafeBytes(of: type.number.littleEndian) { _ = try txn.put(dbs.types, key, $0) }
            }
        }
        cache.transactionID = transactionID
        if cache.streams.count > WriterCache.maxStreams { cache = WriterCache(transactionID: transactionID) }
        return cache
    }

    /// The dictionary slot of a stream's head, loading it on first use; one hash lookup per event.
    private mutating func streamSlot(_ name: String, txn: borrowing LMDBTransaction) throws
        -> Dictionary<String, StreamHead>.Index
    {
        if let slot = cache.streams.index(forKey: name) { return slot }
        let stored = try Keys.withUTF8(name) { key in
            try txn.get(dbs.streams, key).map {
                StreamHead(
                    version: Keys.uint64($0, bigEndian: false), lastPosition: Keys.uint64($0, at: 8, bigEndian: false))
            }
        }
        cache.streams[name] = stored ?? StreamHead(version: 0, lastPosition: 0)
        return cache.streams.index(forKey: name)!
    }

    private mutating func typeNumber(_ name: String, txn: borrowing LMDBTransaction) throws -> UInt32 {
        if let cached = cache.types[name] { return cached }
        let stored = try Keys.withUTF8(name) { key in
            try txn.get(dbs.types, key).map { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
        }
        let number: UInt32
        if let stored {
            number = stored
        } else {
            number = try nextTypeNumber ?? UInt32(txn.entryCount(dbs.types)) + 1
            nextTypeNumber = number + 1
            newTypes.append((name, number))
        }
        cache.types[name] = number
        return number
    }
}
