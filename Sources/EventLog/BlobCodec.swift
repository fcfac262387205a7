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

    let dictionaries: TrainedDictionaries
    /// The context small batches compress with, kept between them (`encode` runs under the writer lock).
    private let serialCompressor = Locked(ZstdFrames.Compressor())

    init(txn: borrowing LMDBTransaction, dbs: LogDatabases) throws {
        dictionaries = try TrainedDictionaries(
            prefix: "blob-dictionary/", untrainedKey: "blob-untrained-bytes", txn: txn, dbs: dbs)
    }

    /// `blob` with the value the store would keep for it, compressed on the calling thread with the dictionary
    /// new blobs use now. An append keeps that value while the dictionary is still the one it uses, and
    /// encodes the bytes again otherwise (the batch that trains one, or one trained by another process).
    func encodedAhead(_ blob: Blob) -> Blob {
        guard blob.encoded == nil else { return blob }
        let dictionary = dictionaries.current
        var blob = blob
        let stored = ZstdFrames.compressors.withItem {
            BlobStore.encode(blob.bytes, dictionary: dictionary, compressor: $0)
        }
        blob.encoded = (dictionary?.version ?? 0, stored)
        return blob
    }

    /// What one batch stores: every draft's blobs encoded, and the dictionary it trained, if it did.
    struct BatchEncoding {
        /// Per draft, the stored value of each of its blobs, in order.
        var stored: [[[UInt8]]]
        var trained: TrainedDictionary?
        var untrainedBytes: UInt64
        /// The batch holds blobs (so the counter may need writing).
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
        if dictionaries.current == nil { try dictionaries.refresh(env: env, dbs: dbs) }
        let snapshot = dictionaries.snapshot
        var dictionary = snapshot.current
        var untrained = snapshot.untrainedBytes
        var trained: TrainedDictionary?
        if dictionary == nil {
            untrained += UInt64(batchBytes)
            if untrained >= Self.trainingThreshold {
                let samples = try Self.samples(stored: env, dbs: dbs, batch: drafts)
                if let bytes = ZstdFrames.train(samples, capacity: Self.dictionaryCapacity) {
                    trained = TrainedDictionary(version: snapshot.newestVersion + 1, bytes: bytes)
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

    /// Writes what the batch's encoding needs besides its blobs: a new dictionary and the untrained count. In
    /// the batch's own transaction, so a crash keeps all or none; throws `TrainedDictionaries.TrainedElsewhere`
    /// when another process trained that version first (the batch is then encoded again with the log's).
    func record(_ encoding: BatchEncoding, txn: borrowing LMDBTransaction, dbs: LogDatabases) throws {
        guard encoding.hasBlobs else { return }
        try dictionaries.persist(
            trained: encoding.trained, untrainedBytes: encoding.untrainedBytes, txn: txn, dbs: dbs)
    }

    /// After the batch committed: what it trained and counted becomes this codec's.
    func adopt(_ encoding: BatchEncoding) {
        guard encoding.hasBlobs else { return }
        dictionaries.adopt(trained: encoding.trained, untrainedBytes: encoding.untrainedBytes)
    }

    /// The original bytes of the blob stored under `hash` (nil when the store has none), following its locator
    /// into a pack and loading a dictionary another process trained when needed.
    func content(of hash: SHA256Hash, txn: borrowing LMDBTransaction, dbs: LogDatabases) throws
        -> Result<[UInt8], BlobProblem>?
    {
        guard let entry = try hash.withUnsafeBytes({ try txn.get(dbs.blobs, $0) }) else { return nil }
        switch try BlobStore.resolve(entry, txn: txn, dbs: dbs) {
        case .failure(let problem): return .failure(problem)
        case .success(let stored):
            return try BlobStore.content(of: stored) { try dictionaries.dictionary($0, txn: txn, dbs: dbs) }
        }
    }

    // MARK: Samples

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
                    if case .success(let stored) = try BlobStore.resolve(current.value, txn: txn, dbs: dbs),
                        case .success(let bytes) = BlobStore.content(of: stored, dictionary: { _ in nil }),
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
