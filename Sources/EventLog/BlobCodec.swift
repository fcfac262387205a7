import Dispatch
import Platform

/// How one log compresses its blobs: zstd with a dictionary trained once on the ledger's own bodies.
///
/// Until enough content has been stored to learn from (`trainingThreshold`), blobs are compressed without a
/// dictionary; the batch that crosses it trains one on what is stored and what it brings, commits it in
/// `meta` with its version in the same transaction, and every later blob uses it. Dictionaries are never
/// replaced in place: a blob names the version it needs, so old blobs stay readable.
final class BlobCodec: Sendable {
    /// Content stored without a dictionary before one is trained.
    static let trainingThreshold: UInt64 = 2 << 20
    /// The most sample bytes training reads. zstd suggests 10–100× the dictionary; on runtimes a dictionary
    /// trained on 1 MB compresses as well as one trained on 20 MB, in a twentieth of the time (0.2 s, not 3 s).
    static let sampleLimit = 2 << 20
    static let dictionaryCapacity = 112 << 10
    /// A batch with this much blob content is compressed on every core.
    static let concurrentBytes = 1 << 20

    private struct State {
        var dictionaries: [UInt32: BlobDictionary] = [:]
        var current: BlobDictionary?
        var untrainedBytes: UInt64 = 0
        var format: UInt32

        /// Newer dictionaries, in version order: the last becomes the one new blobs use.
        mutating func load(_ found: [BlobDictionary]) {
            for dictionary in found { dictionaries[dictionary.version] = dictionary }
            current = found.last ?? current
        }
    }

    private let state: Locked<State>
    /// The context small batches compress with, kept between them (`encode` runs under the writer lock).
    private let serialCompressor = Locked(ZstdFrames.Compressor())

    init(txn: borrowing LMDBTransaction, dbs: LogDatabases, format: UInt32) throws {
        var state = State(format: format)
        state.load(try Self.dictionaries(after: 0, txn: txn, dbs: dbs))
        state.untrainedBytes = try Keys.withUTF8(Self.untrainedKey) { key in
            try txn.get(dbs.meta, key).map { Keys.uint64($0, bigEndian: false) } ?? 0
        }
        self.state = Locked(state)
    }

    /// `blob` with the value the store would keep for it, compressed on the calling thread with the dictionary
    /// new blobs use now. An append keeps that value while the dictionary is still the one it uses, and
    /// encodes the bytes again otherwise (the batch that trains one, or one trained by another process).
    func encodedAhead(_ blob: Blob) -> Blob {
        guard blob.encoded == nil else { return blob }
        let dictionary = state.withLock { $0.current }
        var blob = blob
        let stored = ZstdFrames.withIdleCompressor {
            BlobStore.encode(blob.bytes, dictionary: dictionary, compressor: $0)
        }
        blob.encoded = (dictionary?.version ?? 0, stored)
        return blob
    }

    /// What one batch stores: every draft's blobs encoded, and the dictionary it trained, if it did.
    struct BatchEncoding {
        /// Per draft, the stored value of each of its blobs, in order.
        var stored: [[[UInt8]]]
        var trained: BlobDictionary?
        var untrainedBytes: UInt64
        /// The batch holds blobs (so the counter and format may need writing).
        var hasBlobs: Bool
    }

    /// Encodes a batch's blobs before its write transaction (training a dictionary first when this batch
    /// crosses the threshold). Called under the writer lock, so training happens once.
    func encode(_ drafts: UnsafeBufferPointer<EventDraft>, env: LMDBEnvironment, dbs: LogDatabases) throws
        -> BatchEncoding
    {
        let batchBytes = drafts.blobBytes
        guard batchBytes > 0 else {
            return BatchEncoding(
                stored: Array(repeating: [], count: drafts.count), trained: nil, untrainedBytes: 0, hasBlobs: false)
        }
        // Only while this process knows no dictionary: one may have been trained by another since it opened.
        if state.withLock({ $0.current == nil }) { try refresh(env: env, dbs: dbs) }
        let snapshot = state.withLock { ($0.current, $0.untrainedBytes, $0.dictionaries.keys.max() ?? 0) }
        var dictionary = snapshot.0
        var untrained = snapshot.1
        var trained: BlobDictionary?
        if dictionary == nil {
            untrained += UInt64(batchBytes)
            if untrained >= Self.trainingThreshold {
                let samples = try Self.samples(stored: env, dbs: dbs, batch: drafts)
                if let bytes = ZstdFrames.train(samples, capacity: Self.dictionaryCapacity) {
                    trained = BlobDictionary(version: snapshot.2 + 1, bytes: bytes)
                    dictionary = trained
                }
                // Trained or not (too little to learn from), wait for as much again before the next try.
                untrained = 0
            }
        }
        let chosen = dictionary
        let blobs = drafts.indices.map { drafts[$0].blobs }
        @Sendable func ahead(_ blob: Blob) -> [UInt8]? {
            blob.encoded.flatMap { $0.dictionaryVersion == (chosen?.version ?? 0) ? $0.stored : nil }
        }
        var stored = [[[UInt8]]](repeating: [], count: blobs.count)
        let pendingBytes = blobs.reduce(0) { $0 + $1.reduce(0) { $0 + (ahead($1) == nil ? $1.bytes.count : 0) } }
        let chunks = pendingBytes >= Self.concurrentBytes ? min(blobs.count, 64) : 1
        @Sendable func encode(_ index: Int, with compressor: ZstdFrames.Compressor) -> [[UInt8]] {
            blobs[index].map { ahead($0) ?? BlobStore.encode($0.bytes, dictionary: chosen, compressor: compressor) }
        }
        if chunks == 1 {
            serialCompressor.withLock { compressor in
                for index in blobs.indices where !blobs[index].isEmpty {
                    stored[index] = encode(index, with: compressor)
                }
            }
        } else {
            stored.withUnsafeMutableBufferPointer { buffer in
                // Each chunk of drafts is encoded by one thread with one context, into its own slots.
                let slots = DisjointWrites(buffer)
                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                    let compressor = ZstdFrames.Compressor()
                    for index in Self.range(chunk, of: chunks, count: blobs.count) where !blobs[index].isEmpty {
                        slots.buffer[index] = encode(index, with: compressor)
                    }
                }
            }
        }
        return BatchEncoding(stored: stored, trained: trained, untrainedBytes: untrained, hasBlobs: true)
    }

    /// Writes what the batch's encoding needs besides its blobs: a new dictionary, the untrained count, and the
    /// format that says blobs may be compressed. In the batch's own transaction, so a crash keeps all or none.
    func record(_ encoding: BatchEncoding, txn: borrowing LMDBTransaction, dbs: LogDatabases) throws {
        guard encoding.hasBlobs else { return }
        if let trained = encoding.trained {
            let stored = try Self.withDictionaryKey(trained.version) { key in
                try trained.bytes.withUnsafeBytes { try txn.put(dbs.meta, key, $0, flags: .noOverwrite) }
            }
            // Another process trained this version first: the batch's blobs name a dictionary that is not the
            // stored one, so the batch is encoded again with what the log holds.
            if !stored { throw TrainedElsewhere() }
        }
        let untrainedChanged = state.withLock { $0.current == nil }
        if untrainedChanged {
            try Keys.withUTF8(Self.untrainedKey) { key in
                try withUnsafeBytes(of: encoding.untrainedBytes.littleEndian) { _ = try txn.put(dbs.meta, key, $0) }
            }
        }
        if state.withLock({ $0.format }) < EventLog.formatVersion {
            try EventLog.stampFormat(txn: txn, meta: dbs.meta)
        }
    }

    /// Thrown inside a batch's transaction (rolling it back) when another process committed a dictionary of the
    /// version this batch trained.
    struct TrainedElsewhere: Error {}

    /// Loads dictionaries other processes trained since this log was opened.
    func refresh(env: LMDBEnvironment, dbs: LogDatabases) throws {
        let known = state.withLock { $0.dictionaries.keys.max() ?? 0 }
        let found = try env.read { try Self.dictionaries(after: known, txn: $0, dbs: dbs) }
        state.withLock { $0.load(found) }
    }

    /// The dictionaries stored after version `known`, in version order (versions are consecutive).
    private static func dictionaries(after known: UInt32, txn: borrowing LMDBTransaction, dbs: LogDatabases) throws
        -> [BlobDictionary]
    {
        var found: [BlobDictionary] = []
        while let dictionary = try loadDictionary(known + UInt32(found.count) + 1, txn: txn, dbs: dbs) {
            found.append(dictionary)
        }
        return found
    }

    /// After the batch committed: what it trained and counted becomes this codec's.
    func adopt(_ encoding: BatchEncoding) {
        guard encoding.hasBlobs else { return }
        state.withLock { state in
            if let trained = encoding.trained {
                state.dictionaries[trained.version] = trained
                state.current = trained
            }
            state.untrainedBytes = encoding.untrainedBytes
            state.format = EventLog.formatVersion
        }
    }

    /// The original bytes of a stored value, loading a dictionary another process trained when needed.
    func content(of stored: UnsafeRawBufferPointer, txn: borrowing LMDBTransaction, dbs: LogDatabases) throws
        -> Result<[UInt8], BlobProblem>
    {
        try BlobStore.content(of: stored) { version in
            if let known = state.withLock({ $0.dictionaries[version] }) { return known }
            guard let loaded = try Self.loadDictionary(version, txn: txn, dbs: dbs) else { return nil }
            state.withLock { $0.dictionaries[version] = loaded }
            return loaded
        }
    }

    /// How many dictionaries the log holds (counting any another process trained), for `log stats`.
    static func dictionaryCount(txn: borrowing LMDBTransaction, dbs: LogDatabases) throws -> Int {
        var count = 0
        while try withDictionaryKey(UInt32(count + 1), { try txn.get(dbs.meta, $0) != nil }) { count += 1 }
        return count
    }

    // MARK: Keys and samples

    private static let untrainedKey = "blob-untrained-bytes"

    private static func withDictionaryKey<R>(_ version: UInt32, _ body: (UnsafeRawBufferPointer) throws -> R)
        rethrows -> R
    {
        var key = Array("blob-dictionary/".utf8)
        withUnsafeBytes(of: version.bigEndian) { key.append(contentsOf: $0) }
        return try key.withUnsafeBytes(body)
    }

    private static func loadDictionary(_ version: UInt32, txn: borrowing LMDBTransaction, dbs: LogDatabases) throws
        -> BlobDictionary?
    {
        let bytes = try withDictionaryKey(version) { key in try txn.get(dbs.meta, key).map { Array($0) } }
        return bytes.flatMap { BlobDictionary(version: version, bytes: $0) }
    }

    /// What training learns from: the blobs stored so far (all without a dictionary, so few) and the batch's.
    private static func samples(stored env: LMDBEnvironment, dbs: LogDatabases, batch: UnsafeBufferPointer<EventDraft>)
        throws -> [[UInt8]]
    {
        var samples: [[UInt8]] = []
        var total = 0
        for draft in batch {
            for blob in draft.blobs where blob.bytes.count >= BlobStore.smallestCompressed && total < sampleLimit {
                samples.append(blob.bytes)
                total += blob.bytes.count
            }
        }
        try env.read { txn in
            try txn.withCursor(dbs.blobs) { cursor in
                var entry = try cursor.first()
                while let current = entry, total < sampleLimit {
                    if case .success(let bytes) = BlobStore.content(of: current.value, dictionary: { _ in nil }),
                        bytes.count >= BlobStore.smallestCompressed
                    {
                        samples.append(bytes)
                        total += bytes.count
                    }
                    entry = try cursor.next()
                }
            }
        }
        return samples
    }

    private static func range(_ chunk: Int, of chunks: Int, count: Int) -> Range<Int> {
        (count * chunk / chunks)..<(count * (chunk + 1) / chunks)
    }
}
