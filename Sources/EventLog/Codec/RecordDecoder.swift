/// Reads stored records. Every length is bounds-checked, so a damaged record is reported as corrupt
/// instead of crashing the reader.
struct RecordDecoder {
    let record: UnsafeRawBufferPointer

    struct Corrupt: Error {
        let reason: String
    }

    /// The envelope bytes the hash covers: the record without its trailing hash.
    var envelope: UnsafeRawBufferPointer {
        get throws(Corrupt) {
            guard record.count >= EnvelopeLayout.fixedSize + EnvelopeLayout.hashSize else {
                throw Corrupt(reason: "record is \(record.count) bytes, shorter than the fixed envelope")
            }
            return UnsafeRawBufferPointer(rebasing: record[..<(record.count - EnvelopeLayout.hashSize)])
        }
    }

    var storedHash: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: record[(record.count - EnvelopeLayout.hashSize)...])
    }

    var position: UInt64 {
        UInt64(littleEndian: record.loadUnaligned(fromByteOffset: EnvelopeLayout.positionOffset, as: UInt64.self))
    }

    var recordedAt: Int64 {
        Int64(
            bitPattern: UInt64(
                littleEndian: record.loadUnaligned(fromByteOffset: EnvelopeLayout.recordedAtOffset, as: UInt64.self)))
    }

    func decode() throws(Corrupt) -> RecordedEvent {
        let envelope = try self.envelope
        guard envelope[EnvelopeLayout.formatOffset] == EnvelopeLayout.format else {
            throw Corrupt(reason: "unknown envelope format \(envelope[EnvelopeLayout.formatOffset])")
        }
        let flags = envelope[EnvelopeLayout.flagsOffset]
        guard flags & ~EnvelopeLayout.knownFlags == 0 else { throw Corrupt(reason: "unknown flag bits \(flags)") }
        var reader = FieldReader(data: envelope, offset: EnvelopeLayout.fixedSize)
        let stream = try reader.string("stream")
        let type = try reader.string("type")
        let source = try reader.string("source")
        let blobCount = Int(try reader.uint32("blob count"))
        // Checked before reserving: a damaged count would otherwise ask for up to 128 GiB.
        guard blobCount <= reader.remaining / EnvelopeLayout.hashSize else {
            throw Corrupt(reason: "blob count \(blobCount) runs past the end of the record")
        }
        var blobHashes: [SHA256Hash] = []
        blobHashes.reserveCapacity(blobCount)
        for _ in 0..<blobCount { blobHashes.append(SHA256Hash(try reader.bytes(32, "blob hash"))) }
        let payloadLength = Int(
            UInt32(
                littleEndian: envelope.loadUnaligned(
                    fromByteOffset: EnvelopeLayout.payloadLengthOffset, as: UInt32.self)))
        let payload = Array(try reader.bytes(payloadLength, "payload"))
        guard reader.offset == envelope.count else {
            throw Corrupt(reason: "\(envelope.count - reader.offset) unexpected bytes after the payload")
        }
        func u64(_ offset: Int) -> UInt64 {
            UInt64(littleEndian: envelope.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        }
        let correlation = EventID(
            bigEndianBytes: UnsafeRawBufferPointer(rebasing: envelope[EnvelopeLayout.correlationOffset...]))
        return RecordedEvent(
            position: u64(EnvelopeLayout.positionOffset),
            id: EventID(bigEndianBytes: UnsafeRawBufferPointer(rebasing: envelope[EnvelopeLayout.idOffset...])),
            stream: stream,
            streamVersion: u64(EnvelopeLayout.streamVersionOffset),
            previousInStream: u64(EnvelopeLayout.previousInStreamOffset) == 0
                ? nil : u64(EnvelopeLayout.previousInStreamOffset),
            type: type,
            schemaVersion: UInt32(
                littleEndian: envelope.loadUnaligned(
                    fromByteOffset: EnvelopeLayout.schemaVersionOffset, as: UInt32.self)),
            recordedAt: Int64(bitPattern: u64(EnvelopeLayout.recordedAtOffset)),
            observedAt: flags & EnvelopeLayout.hasObservedAt != 0
                ? Int64(bitPattern: u64(EnvelopeLayout.observedAtOffset)) : nil,
            correlationID: flags & EnvelopeLayout.hasCorrelation != 0 ? correlation : nil,
            causation: flags & EnvelopeLayout.hasCausation != 0 ? u64(EnvelopeLayout.causationOffset) : nil,
            source: source,
            payload: Payload(storedBytes: payload),
            blobHashes: blobHashes,
            hash: SHA256Hash(storedHash)
        )
    }

    /// The payload bytes (the envelope's tail), found from the fixed header without decoding the rest.
    func payloadBytes() throws(Corrupt) -> UnsafeRawBufferPointer {
        let envelope = try self.envelope
        let length = Int(
            UInt32(
                littleEndian: envelope.loadUnaligned(
                    fromByteOffset: EnvelopeLayout.payloadLengthOffset, as: UInt32.self)))
        guard length <= envelope.count - EnvelopeLayout.fixedSize else {
            throw Corrupt(reason: "payload runs past the end of the record")
        }
        return UnsafeRawBufferPointer(rebasing: envelope[(envelope.count - length)...])
    }

    /// The type string, read without decoding the rest (for filtering scans).
    func typeBytes() throws(Corrupt) -> UnsafeRawBufferPointer {
        var reader = FieldReader(data: try envelope, offset: EnvelopeLayout.fixedSize)
        _ = try reader.lengthPrefixed("stream")
        return try reader.lengthPrefixed("type")
    }
}

private struct FieldReader {
    let data: UnsafeRawBufferPointer
    var offset: Int

    var remaining: Int { data.count - offset }

    // Field names are StaticStrings and only become messages on failure: this runs once per field per event.
    mutating func uint32(_ field: StaticString) throws(RecordDecoder.Corrupt) -> UInt32 {
        let raw = try self.bytes(4, field)
        return UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self))
    }

    mutating func bytes(_ count: Int, _ field: StaticString) throws(RecordDecoder.Corrupt) -> UnsafeRawBufferPointer {
        guard count >= 0, data.count - offset >= count else {
            throw RecordDecoder.Corrupt(reason: "\(field) runs past the end of the record")
        }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: data[offset..<(offset + count)])
    }

    /// A length-prefixed field's bytes.
    mutating func lengthPrefixed(_ field: StaticString) throws(RecordDecoder.Corrupt) -> UnsafeRawBufferPointer {
        try bytes(Int(try uint32(field)), field)
    }

    mutating func string(_ field: StaticString) throws(RecordDecoder.Corrupt) -> String {
        let raw = try lengthPrefixed(field)
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw RecordDecoder.Corrupt(reason: "\(field) is not valid UTF-8")
        }
        return text
    }
}
