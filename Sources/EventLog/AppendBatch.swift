/// The state of one write transaction while it appends: the chain head, stream heads touched so far, and
/// type numbers. Stream heads and new types are written once, in `finish`, rather than once per event.
struct AppendBatch {
    private let dbs: LogDatabases
    private var headPosition: UInt64
    private var headHash: SHA256Hash
    private var lastRecordedAt: Int64
    private let batchRecordedAt: Int64
    private var streams: [String: StreamHead] = [:]
    private var types: [String: UInt32] = [:]
    /// Batches often repeat one type; comparing with the last one skips a hash lookup.
    private var lastType: (name: String, number: UInt32)?
    private var newTypes: [String: UInt32] = [:]
    private var nextTypeNumber: UInt32?
    private var encoder = EnvelopeEncoder()

    /// A stream's version and the position of its newest event, as stored in the `streams` table.
    struct StreamHead {
        var version: UInt64
        var lastPosition: UInt64
        var dirty: Bool
    }

    init(txn: borrowing LMDBTransaction, dbs: LogDatabases, now: Int64) throws {
        self.dbs = dbs
        let head = try LogReader.readHead(txn: txn, dbs: dbs)
        headPosition = head?.position ?? 0
        headHash = head?.hash ?? .zero
        lastRecordedAt = head?.recordedAt ?? Int64.min
        batchRecordedAt = max(now, lastRecordedAt)
    }

    /// Appends one draft; `index` is its place in the caller's batch, for error messages.
    mutating func append(_ draft: EventDraft, index: Int, txn: borrowing LMDBTransaction) throws -> AppendOutcome {
        let position = headPosition + 1
        // Claim the id first: one B-tree operation both checks for a repeat and records the new id.
        let claimed = try Keys.withID(draft.id) { key in
            try withUnsafeBytes(of: position.littleEndian) { value in
                try txn.put(dbs.ids, key, value, flags: [.append, .noOverwrite])
                    || txn.put(dbs.ids, key, value, flags: .noOverwrite)
            }
        }
        if !claimed {
            let original = try Keys.withID(draft.id) { key in
                try txn.get(dbs.ids, key).map { Keys.uint64($0, bigEndian: false) }
            }
            guard let original else { throw EventLogError.corruptRecord(position: position, reason: "id index refused an id it does not hold") }
            return .duplicate(position: original)
        }

        let streamIndex = try streamSlot(draft.stream, txn: txn)
        var stream = streams.values[streamIndex]
        if let expected = draft.expectedVersion, expected != stream.version {
            throw EventLogError.versionConflict(stream: draft.stream, expected: expected, actual: stream.version)
        }
        let recordedAt = draft.importedRecordedAt ?? batchRecordedAt
        if recordedAt < lastRecordedAt {
            throw EventLogError.clockRegression(position: position, recordedAt: recordedAt, previous: lastRecordedAt)
        }
        let previousInStream = stream.lastPosition
        stream.version += 1
        stream.lastPosition = position
        stream.dirty = true
        streams.values[streamIndex] = stream
        let typeNumber = try self.typeNumber(draft.type, txn: txn)

        encoder.encode(draft, position: position, recordedAt: recordedAt, streamVersion: stream.version,
                       previousInStream: previousInStream)
        let hash = encoder.withBytes { SHA256Hash.chain(previous: headHash, envelope: $0) }
        encoder.seal(with: hash)
        let appended = try Keys.withPosition(position) { key in
            try encoder.withBytes { try txn.put(dbs.events, key, $0, flags: .append) }
        }
        guard appended else {
            throw EventLogError.corruptRecord(position: position, reason: "a record already exists at or after this position")
        }
        try Keys.withTypeKey(typeNumber, position) { key in
            _ = try txn.put(dbs.typeIndex, key, UnsafeRawBufferPointer(start: nil, count: 0))
        }
        for blob in draft.blobs { try BlobStore.store(blob, txn: txn, dbs: dbs) }
        if let hashes = draft.importedBlobHashes {
            for hash in hashes where try hash.withUnsafeBytes({ try txn.get(dbs.blobs, $0) }) == nil {
                throw EventLogError.invalidDraft(index: index, reason: "blob \(hash.hex) is referenced but its bytes were never given")
            }
        }

        headPosition = position
        headHash = hash
        lastRecordedAt = recordedAt
        return .appended(position: position, streamVersion: stream.version)
    }

    /// Writes the stream heads and type names the batch changed.
    func finish(txn: borrowing LMDBTransaction) throws {
        for (name, head) in streams where head.dirty {
            try Keys.withUTF8(name) { key in
                try withUnsafeBytes(of: (head.version.littleEndian, head.lastPosition.littleEndian)) {
                    _ = try txn.put(dbs.streams, key, $0)
                }
            }
        }
        for (name, number) in newTypes {
            try Keys.withUTF8(name) { key in
                try withUnsafeBytes(of: number.littleEndian) { _ = try txn.put(dbs.types, key, $0) }
            }
        }
    }

    /// The dictionary slot of a stream's head, loading it on first use; one hash lookup per event.
    private mutating func streamSlot(_ name: String, txn: borrowing LMDBTransaction) throws -> Dictionary<String, StreamHead>.Index {
        if let index = streams.index(forKey: name) { return index }
        streams[name] = try loadStreamHead(name, txn: txn)
        return streams.index(forKey: name)!
    }

    private func loadStreamHead(_ name: String, txn: borrowing LMDBTransaction) throws -> StreamHead {
        let stored = try Keys.withUTF8(name) { key in
            try txn.get(dbs.streams, key).map {
                StreamHead(version: Keys.uint64($0, bigEndian: false), lastPosition: Keys.uint64($0, at: 8, bigEndian: false), dirty: false)
            }
        }
        return stored ?? StreamHead(version: 0, lastPosition: 0, dirty: true)
    }

    private mutating func typeNumber(_ name: String, txn: borrowing LMDBTransaction) throws -> UInt32 {
        if let last = lastType, last.name == name { return last.number }
        defer { lastType = (name, types[name]!) }
        if let cached = types[name] { return cached }
        let stored = try Keys.withUTF8(name) { key in
            try txn.get(dbs.types, key).map { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
        }
        let number: UInt32
        if let stored {
            number = stored
        } else {
            number = try nextTypeNumber ?? UInt32(txn.entryCount(dbs.types)) + 1
            nextTypeNumber = number + 1
            newTypes[name] = number
        }
        types[name] = number
        return number
    }
}
