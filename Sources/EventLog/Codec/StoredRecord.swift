/// A value of the `events` table: a plain record (envelope ‖ hash) or a compressed one (`RecordCodec`): a zstd
/// frame or an LZ4 block of everything after the kept prefix.
///
/// The position, `recordedAt` and stream version sit at the same offsets in all three, and the hash is at hand
/// in all, so a binary search by time and the head need no decompression; everything else goes through
/// `withPlain`, which hands readers the plain record either way.
struct StoredRecord {
    let value: UnsafeRawBufferPointer

    var isCompressed: Bool { value.first == RecordCodec.zstdTag || value.first == RecordCodec.lz4Tag }

    /// The record's hash, or nil when the value is too short to hold one.
    var hash: UnsafeRawBufferPointer? {
        if isCompressed {
            guard value.count > RecordCodec.frameOffset else { return nil }
            return UnsafeRawBufferPointer(rebasing: value[RecordCodec.hashOffset..<RecordCodec.dictionaryOffset])
        }
        guard value.count >= EnvelopeLayout.fixedSize + EnvelopeLayout.hashSize else { return nil }
        return UnsafeRawBufferPointer(rebasing: value[(value.count - EnvelopeLayout.hashSize)...])
    }

    /// `body` with the plain record: the value itself, or rebuilt into `scratch` (kept by the caller between
    /// records, so a walk allocates once).
    func withPlain<R>(
        codec: RecordCodec, txn: borrowing LMDBTransaction, dbs: LogDatabases, scratch: inout RecordScratch,
        _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        guard isCompressed else { return try body(value) }
        let isLZ4 = value.first == RecordCodec.lz4Tag
        guard value.count > (isLZ4 ? RecordCodec.lz4BlockOffset : RecordCodec.frameOffset) else {
            throw RecordDecoder.Corrupt(reason: "compressed record is \(value.count) bytes, shorter than its header")
        }
        let version = UInt32(
            littleEndian: value.loadUnaligned(fromByteOffset: RecordCodec.dictionaryOffset, as: UInt32.self))
        guard
            let dictionary = try scratch.dictionary(version)
                ?? codec.dictionaries.dictionary(version, txn: txn, dbs: dbs)
        else {
            throw RecordDecoder.Corrupt(reason: "needs record dictionary \(version), which the log does not hold")
        }
        let tailSize: Int
        let encoding: RecordScratch.Encoding
        if isLZ4 {
            let block = UnsafeRawBufferPointer(rebasing: value[RecordCodec.lz4BlockOffset...])
            tailSize = Int(
                UInt32(littleEndian: value.loadUnaligned(fromByteOffset: RecordCodec.lz4SizeOffset, as: UInt32.self)))
            guard LZ4Blocks.canDecode(block, to: tailSize) else {
                throw RecordDecoder.Corrupt(reason: "compressed record names a size its block cannot hold")
            }
            encoding = .lz4(block: block)
        } else {
            let frame = UnsafeRawBufferPointer(rebasing: value[RecordCodec.frameOffset...])
            guard let size = ZstdFrames.contentSize(frame), size <= UInt32.max else {
                throw RecordDecoder.Corrupt(reason: "compressed record's frame is damaged")
            }
            tailSize = size
            encoding = .zstd(frame: frame)
        }
        guard RecordCodec.keptPrefix + tailSize >= EnvelopeLayout.fixedSize else {
            throw RecordDecoder.Corrupt(reason: "compressed record is shorter than the fixed envelope")
        }
        guard let record = scratch.rebuild(value, tailSize: tailSize, encoding: encoding, dictionary: dictionary) else {
            throw RecordDecoder.Corrupt(reason: "compressed record does not decompress")
        }
        return try body(record)
    }
}
