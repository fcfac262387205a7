import Platform

/// How one log compresses its event records: each envelope after its first fields (format, position,
/// `recordedAt`, stream version, which readers take without decompressing) as one LZ4 block or one zstd frame,
/// with a dictionary trained once on the log's own records.
///
/// Metrics and runtime summaries are JSON of one shape, repeated per backtest: plain, a 10,000-runtime import
/// kept 40 MB of them, and records of just over 2 KB each took a 4 KB overflow page. The hash chain is over
/// the plain envelope, so verify, export and every reader see exactly what was appended; only the stored value
/// changes (FORMAT.md, "Stored records"). Records stay plain until a dictionary exists: without one a record of
/// a few hundred bytes hardly shrinks.
///
/// LZ4 is tried first, because replays decode records far more often than appends write them and LZ4 decodes
/// about six times faster. Where LZ4 leaves more than a quarter of the bytes, zstd's entropy stage pays (records
/// of many differing numbers: an import's, a third smaller than LZ4's), so zstd is tried too, and kept when it is
/// at least an eighth smaller.
final class RecordCodec: Sendable {
    /// The first byte of a compressed record (a plain one starts with its envelope format, 1): a zstd frame, or an
    /// LZ4 block (format 4).
    static let zstdTag: UInt8 = 0x81
    static let lz4Tag: UInt8 = 0x82
    /// The envelope's bytes kept as they are: format (replaced by the tag), position, `recordedAt`, stream version.
    static let keptPrefix = EnvelopeLayout.schemaVersionOffset
    /// The kept prefix, the hash and the dictionary version precede the frame.
    static let hashOffset = keptPrefix
    static let dictionaryOffset = keptPrefix + EnvelopeLayout.hashSize
    static let frameOffset = dictionaryOffset + 4
    /// An LZ4 block follows the size it decodes to (u32), where a zstd frame begins.
    static let lz4SizeOffset = frameOffset
    static let lz4BlockOffset = lz4SizeOffset + 4
    /// LZ4 is kept without trying zstd when its block is at most a quarter of the bytes compressed, and against a
    /// zstd frame unless that is at least an eighth smaller: a few bytes saved are not worth a slower decode.
    static let lz4GoodEnoughDivisor = 4
    static let zstdWorthDivisor = 8
    /// Bytes stored plain before a dictionary is trained from them: zstd needs about ten times the dictionary's
    /// size to learn from (on an import's records, one trained on 340 KB left the next 20,000 half as large again
    /// as one trained on 650 KB).
    static let trainingThreshold: UInt64 = 640 << 10
    static let sampleLimit = 1 << 20
    static let dictionaryCapacity = 64 << 10
    /// Records whose compressible part is shorter than this stay plain: the frame's header and the dictionary
    /// version outweigh the gain.
    static let smallestCompressed = 160
    static let walkLimit = 20_000

    let dictionaries: TrainedDictionaries

    init(txn: borrowing LMDBTransaction, dbs: LogDatabases) throws {
        dictionaries = try TrainedDictionaries(
            prefix: "record-dictionary/", untrainedKey: "record-untrained-bytes", txn: txn, dbs: dbs)
    }

    /// What one batch compresses its records with, and what it trained and counted.
    struct BatchEncoding {
        var dictionary: TrainedDictionary?
        var trained: TrainedDictionary?
        var untrainedBytes: UInt64
    }

    /// Chooses the batch's dictionary before its write transaction, training one first (on the newest stored
    /// records and the batch's own) when this batch brings the records stored without one to the threshold.
    /// Called under the writer lock, so training happens once.
    func prepare(
        _ drafts: UnsafeBufferPointer<EventDraft>, envelopeSizes: [Int], env: LMDBEnvironment, dbs: LogDatabases
    ) throws -> BatchEncoding {
        if dictionaries.current == nil { try dictionaries.refresh(env: env, dbs: dbs) }
        let snapshot = dictionaries.snapshot
        if let current = snapshot.current {
            return BatchEncoding(dictionary: current, trained: nil, untrainedBytes: snapshot.untrainedBytes)
        }
        let tailBytes = envelopeSizes.reduce(0) { $0 + $1 - Self.keptPrefix }
        let untrained = snapshot.untrainedBytes + UInt64(tailBytes)
        guard untrained >= Self.trainingThreshold else {
            return BatchEncoding(dictionary: nil, trained: nil, untrainedBytes: untrained)
        }
        var samples = Self.samples(drafts, tailBytes: tailBytes, envelopeSizes: envelopeSizes)
        let stored = try env.read { try Self.samples(txn: $0, dbs: dbs, limit: Self.sampleLimit - samples.bytes) }
        samples.tails += stored.tails
        guard let bytes = ZstdFrames.train(samples.tails, capacity: Self.dictionaryCapacity),
            let trained = TrainedDictionary(version: snapshot.newestVersion + 1, bytes: bytes)
        else {
            // Too little to learn from: wait for as much again before the next try.
            return BatchEncoding(dictionary: nil, trained: nil, untrainedBytes: 0)
        }
        return BatchEncoding(dictionary: trained, trained: trained, untrainedBytes: 0)
    }

    /// A batch stored plain, leaving the count as it is (a log opened with `compressRecords` off).
    var plain: BatchEncoding {
        BatchEncoding(dictionary: nil, trained: nil, untrainedBytes: dictionaries.snapshot.untrainedBytes)
    }

    /// Writes what the batch trained and counted, in its own transaction.
    func record(_ encoding: BatchEncoding, txn: borrowing LMDBTransaction, dbs: LogDatabases) throws {
        try dictionaries.persist(
            trained: encoding.trained, untrainedBytes: encoding.untrainedBytes, txn: txn, dbs: dbs)
    }

    func adopt(_ encoding: BatchEncoding) {
        dictionaries.adopt(trained: encoding.trained, untrainedBytes: encoding.untrainedBytes)
    }

    /// What one thread compresses records with: both codecs' states and the scratch they write into.
    final class Compressor: @unchecked Sendable {
        let lz4 = LZ4Blocks.Compressor()
        let zstd = ZstdFrames.Compressor()
        var block: [UInt8] = []
        var frame: [UInt8] = []
    }

    /// Compressors not in use, one per thread that seals a batch at once.
    static let compressors = IdlePool(capacity: 8) { Compressor() }

    /// Rewrites a sealed plain record (envelope ‖ hash) in `slot` as a compressed one when that is smaller;
    /// returns the stored size.
    static func compress(
        _ slot: UnsafeMutableRawBufferPointer, envelopeSize: Int, dictionary: TrainedDictionary, compressor: Compressor
    ) -> Int {
        let plainSize = envelopeSize + EnvelopeLayout.hashSize
        let tail = UnsafeRawBufferPointer(rebasing: slot[keptPrefix..<envelopeSize])
        guard tail.count >= smallestCompressed else { return plainSize }
        compressor.block.removeAll(keepingCapacity: true)
        compressor.frame.removeAll(keepingCapacity: true)
        var lz4Size = plainSize
        if compressor.lz4.compress(
            tail, dictionary: dictionary, limit: plainSize - lz4BlockOffset, into: &compressor.block)
        {
            lz4Size = lz4BlockOffset + compressor.block.count
            if compressor.block.count * lz4GoodEnoughDivisor <= tail.count {
                return store(slot, envelopeSize: envelopeSize, dictionary: dictionary, lz4: compressor.block)
            }
        }
        let zstdLimit = lz4Size < plainSize ? lz4Size - lz4Size / zstdWorthDivisor : plainSize
        if compressor.zstd.compress(
            tail, dictionary: dictionary, limit: zstdLimit - frameOffset, into: &compressor.frame)
        {
            return store(slot, envelopeSize: envelopeSize, dictionary: dictionary, zstd: compressor.frame)
        }
        guard lz4Size < plainSize else { return plainSize }
        return store(slot, envelopeSize: envelopeSize, dictionary: dictionary, lz4: compressor.block)
    }

    private static func store(
        _ slot: UnsafeMutableRawBufferPointer, envelopeSize: Int, dictionary: TrainedDictionary, lz4 block: [UInt8]
    ) -> Int {
        let tailSize = UInt32(envelopeSize - keptPrefix)
        writeHeader(slot, envelopeSize: envelopeSize, dictionary: dictionary, tag: lz4Tag)
        let base = slot.baseAddress!
        withUnsafeBytes(of: tailSize.littleEndian) {
            (base + lz4SizeOffset).copyMemory(from: $0.baseAddress!, byteCount: 4)
        }
        block.withUnsafeBytes { (base + lz4BlockOffset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        return lz4BlockOffset + block.count
    }

    private static func store(
        _ slot: UnsafeMutableRawBufferPointer, envelopeSize: Int, dictionary: TrainedDictionary, zstd frame: [UInt8]
    ) -> Int {
        writeHeader(slot, envelopeSize: envelopeSize, dictionary: dictionary, tag: zstdTag)
        frame.withUnsafeBytes {
            (slot.baseAddress! + frameOffset).copyMemory(from: $0.baseAddress!, byteCount: $0.count)
        }
        return frameOffset + frame.count
    }

    /// The tag, the kept prefix (already in place), the hash and the dictionary version.
    private static func writeHeader(
        _ slot: UnsafeMutableRawBufferPointer, envelopeSize: Int, dictionary: TrainedDictionary, tag: UInt8
    ) {
        let base = slot.baseAddress!
        // The hash moves up behind the kept prefix (memmove: the two ranges may overlap).
        (base + hashOffset).copyMemory(from: base + envelopeSize, byteCount: EnvelopeLayout.hashSize)
        withUnsafeBytes(of: dictionary.version.littleEndian) {
            (base + dictionaryOffset).copyMemory(from: $0.baseAddress!, byteCount: 4)
        }
        slot[EnvelopeLayout.formatOffset] = tag
    }

    /// Compressible parts to train on, and their bytes.
    private struct Samples {
        var tails: [[UInt8]] = []
        var bytes = 0
    }

    /// The batch's own records, about `sampleLimit` bytes of them, each taken by a seeded draw rather than at a
    /// fixed stride: a stride aliases with batches that cycle through their event types (every fourth record of a
    /// four-type cycle taught the dictionary one type, and LZ4 then left 62 % of the others over a quarter).
    private static func samples(_ drafts: UnsafeBufferPointer<EventDraft>, tailBytes: Int, envelopeSizes: [Int])
        -> Samples
    {
        var samples = Samples()
        let share = UInt64(max(1, tailBytes / sampleLimit + 1))
        var random = SplitMix64(seed: UInt64(drafts.count))
        for index in 0..<drafts.count where random.next() % share == 0 {
            let size = envelopeSizes[index] - keptPrefix
            guard size >= smallestCompressed else { continue }
            samples.tails.append(compressiblePart(of: drafts.baseAddress! + index, envelopeSize: envelopeSizes[index]))
            samples.bytes += size
        }
        return samples
    }

    /// What would be compressed of a draft's envelope. Only the previous-in-stream link depends on where the log
    /// places it, and a sample does without it.
    private static func compressiblePart(of draft: UnsafePointer<EventDraft>, envelopeSize: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: envelopeSize) { buffer, count in
            EnvelopeEncoder.encode(
                draft, position: 0, recordedAt: 0, streamVersion: 0, previousInStream: 0,
                into: UnsafeMutableRawBufferPointer(buffer))
            let base = buffer.baseAddress!
            base.update(from: base + keptPrefix, count: envelopeSize - keptPrefix)
            count = envelopeSize - keptPrefix
        }
    }

    /// The compressible part of the newest plain records, up to `limit` bytes and `walkLimit` records looked at (a
    /// log of records too small to compress has none to give, however far back it goes).
    private static func samples(txn: borrowing LMDBTransaction, dbs: LogDatabases, limit: Int) throws -> Samples {
        var samples = Samples()
        var walked = 0
        try txn.withCursor(dbs.events) { cursor in
            var entry = try cursor.last()
            while let current = entry, samples.bytes < limit, walked < walkLimit {
                walked += 1
                let record = current.value
                if record.first == EnvelopeLayout.format,
                    record.count >= keptPrefix + EnvelopeLayout.hashSize + smallestCompressed
                {
                    samples.tails.append(
                        Array(record[keptPrefix..<(record.count - EnvelopeLayout.hashSize)]))
                    samples.bytes += record.count - keptPrefix - EnvelopeLayout.hashSize
                }
                entry = try cursor.previous()
            }
        }
        return samples
    }
}
