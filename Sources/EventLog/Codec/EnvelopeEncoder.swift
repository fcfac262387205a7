/// Writes canonical envelope bytes straight into one reusable buffer, so the hot path neither allocates
/// nor grows an array field by field.
struct EnvelopeEncoder {
    private var storage = [UInt8](repeating: 0, count: 4096)
    /// Bytes of the current record: the envelope, plus the hash once sealed.
    private(set) var count = 0

    /// Encodes one envelope, replacing what was there.
    mutating func encode(
        _ draft: EventDraft, position: UInt64, recordedAt: Int64, streamVersion: UInt64, previousInStream: UInt64
    ) {
        let blobHashes = draft.importedBlobHashes
        let blobCount = blobHashes?.count ?? draft.blobs.count
        let payload = draft.payload.canonicalBytes
        let size = EnvelopeLayout.fixedSize + 12 + draft.stream.utf8.count + draft.type.utf8.count
            + draft.source.utf8.count + 4 + 32 * blobCount + payload.count
        if storage.count < size + EnvelopeLayout.hashSize {
            storage = [UInt8](repeating: 0, count: (size + EnvelopeLayout.hashSize) * 2)
        }
        storage.withUnsafeMutableBytes { out in
            var writer = Writer(out: out)
            writer.byte(EnvelopeLayout.format)
            writer.u64(position)
            writer.u64(UInt64(bitPattern: recordedAt))
            writer.u64(streamVersion)
            writer.u32(draft.schemaVersion)
            var flags: UInt8 = 0
            if draft.observedAt != nil { flags |= EnvelopeLayout.hasObservedAt }
            if draft.correlationID != nil { flags |= EnvelopeLayout.hasCorrelation }
            if draft.causation != nil { flags |= EnvelopeLayout.hasCausation }
            writer.byte(flags)
            writer.id(draft.id)
            writer.u64(UInt64(bitPattern: draft.observedAt ?? 0))
            writer.id(draft.correlationID ?? EventID(high: 0, low: 0))
            writer.u64(draft.causation ?? 0)
            writer.u64(previousInStream)
            writer.u32(UInt32(payload.count))
            writer.string(draft.stream)
            writer.string(draft.type)
            writer.string(draft.source)
            writer.u32(UInt32(blobCount))
            if let blobHashes {
                for hash in blobHashes { hash.withUnsafeBytes { writer.raw($0) } }
            } else {
                for blob in draft.blobs { blob.hash.withUnsafeBytes { writer.raw($0) } }
            }
            payload.withUnsafeBytes { writer.raw($0) }
            count = writer.offset
        }
    }

    /// Appends the chain hash, turning the envelope into the stored record.
    mutating func seal(with hash: SHA256Hash) {
        let start = count
        storage.withUnsafeMutableBytes { out in
            hash.withUnsafeBytes { out.baseAddress!.advanced(by: start).copyMemory(from: $0.baseAddress!, byteCount: 32) }
        }
        count += EnvelopeLayout.hashSize
    }

    /// The encoded bytes (the envelope, or after `seal` the whole record).
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }

    private struct Writer {
        let out: UnsafeMutableRawBufferPointer
        var offset = 0

        mutating func byte(_ value: UInt8) {
            out[offset] = value
            offset += 1
        }

        mutating func u64(_ value: UInt64) {
            out.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt64.self)
            offset += 8
        }

        mutating func u32(_ value: UInt32) {
            out.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
            offset += 4
        }

        mutating func id(_ id: EventID) {
            out.storeBytes(of: id.high.bigEndian, toByteOffset: offset, as: UInt64.self)
            out.storeBytes(of: id.low.bigEndian, toByteOffset: offset + 8, as: UInt64.self)
            offset += 16
        }

        mutating func raw(_ bytes: UnsafeRawBufferPointer) {
            guard bytes.count > 0 else { return }
            out.baseAddress!.advanced(by: offset).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            offset += bytes.count
        }

        mutating func string(_ text: String) {
            var text = text
            text.withUTF8 { utf8 in
                u32(UInt32(utf8.count))
                raw(UnsafeRawBufferPointer(utf8))
            }
        }
    }
}
