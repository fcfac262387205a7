/// A value of the `events` table: a plain record (envelope ‖ hash) or a compressed one (`RecordCodec`).
///
/// The position, `recordedAt` and stream version sit at the same offsets in both, and the hash is at hand in
/// both, so a binary search by time and the head need no decompression; everything else goes through
/// `withPlain`, which hands readers the plain record either way.
struct StoredRecord {
    let value: UnsafeRawBufferPointer

    var isCompressed: Bool { value.first == RecordCodec.compressedTag }

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
        codec: RecordCodec, txn: borrowing LMDBTransaction, dbs: LogDatabases, scratch: inout [UInt8],
        _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        guard isCompressed else { return try body(value) }
        guard value.count > RecordCodec.frameOffset else {
            throw RecordDecoder.Corrupt(reason: "compressed record is \(value.count) bytes, shorter than its header")
        }
        let version = UInt32(
            littleEndian: value.loadUnaligned(fromByteOffset: RecordCodec.dictionaryOffset, as: UInt32.self))
        guard let dictionary = try codec.dictionaries.dictionary(version, txn: txn, dbs: dbs) else {
            throw RecordDecoder.Corrupt(reason: "needs record dictionary \(version), which the log does not hold")
        }
        let frame = UnsafeRawBufferPointer(rebasing: value[RecordCodec.frameOffset...])
        let kept = RecordCodec.keptPrefix
        guard let tailSize = ZstdFrames.contentSize(frame), tailSize <= UInt32.max,
            kept + tailSize >= EnvelopeLayout.fixedSize
        else {
            throw RecordDecoder.Corrupt(reason: "compressed record's frame is damaged")
        }
        let plainSize = kept + tailSize + EnvelopeLayout.hashSize
        if scratch.count < plainSize { scratch = [UInt8](repeating: 0, count: plainSize) }
        let decompressed = scratch.withUnsafeMutableBytes { buffer -> Bool in
            let base = buffer.baseAddress!
            base.copyMemory(from: value.baseAddress!, byteCount: kept)
            buffer[EnvelopeLayout.formatOffset] = EnvelopeLayout.format
            (base + kept + tailSize).copyMemory(
                from: value.baseAddress! + RecordCodec.hashOffset, byteCount: EnvelopeLayout.hashSize)
            let tail = UnsafeMutableRawBufferPointer(rebasing: buffer[kept..<(kept + tailSize)])
            return ZstdFrames.decompress(frame, dictionary: dictionary, into: tail)
        }
        guard decompressed else { throw RecordDecoder.Corrupt(reason: "compressed record does not decompress") }
        return try scratch.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[..<plainSize])) }
    }
}
