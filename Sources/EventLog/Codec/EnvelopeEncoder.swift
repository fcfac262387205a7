/// Writes canonical envelope bytes (FORMAT.md) straight into caller-provided memory: the hot path neither
/// allocates nor grows an array field by field.
enum EnvelopeEncoder {
    /// The exact envelope size of `draft`, so a batch can lay out all its records in one allocation.
    static func size(of draft: borrowing EventDraft) -> Int {
        let blobCount = draft.importedBlobHashes?.count ?? draft.blobs.count
        return EnvelopeLayout.fixedSize + 12 + draft.stream.utf8.count + draft.type.utf8.count
            + draft.source.utf8.count + 4 + 32 * blobCount + draft.payload.canonicalBytes.count
    }

    /// Encodes one envelope into `out`, which must hold at least `size(of: draft)` bytes. The draft is read
    /// where it lies, through a pointer (through a buffer's subscript it was copied whole).
    static func encode(
        _ draft: UnsafePointer<EventDraft>, position: UInt64, recordedAt: Int64, streamVersion: UInt64,
        previousInStream: UInt64, into out: UnsafeMutableRawBufferPointer
    ) {
        var writer = Writer(out: out)
        writer.byte(EnvelopeLayout.format)
        writer.u64(position)
        writer.u64(UInt64(bitPattern: recordedAt))
        writer.u64(streamVersion)
        writer.u32(draft.pointee.schemaVersion)
        var flags: UInt8 = 0
        if draft.pointee.observedAt != nil { flags |= EnvelopeLayout.hasObservedAt }
        if draft.pointee.correlationID != nil { flags |= EnvelopeLayout.hasCorrelation }
        if draft.pointee.causation != nil { flags |= EnvelopeLayout.hasCausation }
        writer.byte(flags)
        writer.id(draft.pointee.id)
        writer.u64(UInt64(bitPattern: draft.pointee.observedAt ?? 0))
        writer.id(draft.pointee.correlationID ?? EventID(high: 0, low: 0))
        writer.u64(draft.pointee.causation ?? 0)
        writer.u64(previousInStream)
        writer.u32(UInt32(draft.pointee.payload.canonicalBytes.count))
        writer.string(draft.pointee.stream)
        writer.string(draft.pointee.type)
        writer.string(draft.pointee.source)
        if let blobHashes = draft.pointee.importedBlobHashes {
            writer.u32(UInt32(blobHashes.count))
            for hash in blobHashes { hash.withUnsafeBytes { writer.raw($0) } }
        } else {
            writer.u32(UInt32(draft.pointee.blobs.count))
            for blob in draft.pointee.blobs { blob.hash.withUnsafeBytes { writer.raw($0) } }
        }
        draft.pointee.payload.canonicalBytes.withUnsafeBytes { writer.raw($0) }
        precondition(writer.offset == out.count || out.count > writer.offset, "envelope overran its slot")
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
            precondition(out.count - offset >= bytes.count, "envelope overran its slot")
            out.baseAddress!.advanced(by: offset).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            offset += bytes.count
        }

        mutating func string(_ text: String) {
            Keys.withUTF8Bytes(text) { utf8 in
                u32(UInt32(utf8.count))
                raw(UnsafeRawBufferPointer(utf8))
            }
        }
    }
}
