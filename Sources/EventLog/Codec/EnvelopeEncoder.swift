/// Writes canonical envelope bytes. Reuses one buffer across a batch so the hot path does not allocate.
struct EnvelopeEncoder {
    private(set) var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(1024) }

    /// Encodes one envelope into `buffer`, replacing what was there.
    mutating func encode(
        _ draft: EventDraft, position: UInt64, recordedAt: Int64, streamVersion: UInt64
    ) {
        buffer.removeAll(keepingCapacity: true)
        buffer.append(EnvelopeLayout.format)
        append(position)
        append(UInt64(bitPattern: recordedAt))
        append(streamVersion)
        append(draft.schemaVersion)
        var flags: UInt8 = 0
        if draft.observedAt != nil { flags |= EnvelopeLayout.hasObservedAt }
        if draft.correlationID != nil { flags |= EnvelopeLayout.hasCorrelation }
        if draft.causation != nil { flags |= EnvelopeLayout.hasCausation }
        buffer.append(flags)
        append(draft.id)
        append(UInt64(bitPattern: draft.observedAt ?? 0))
        append(draft.correlationID ?? EventID(high: 0, low: 0))
        append(draft.causation ?? 0)
        appendString(draft.stream)
        appendString(draft.type)
        appendString(draft.source)
        if let hashes = draft.importedBlobHashes {
            append(UInt32(hashes.count))
            for hash in hashes { buffer.append(contentsOf: hash.bytes) }
        } else {
            append(UInt32(draft.blobs.count))
            for blob in draft.blobs { buffer.append(contentsOf: blob.hash.bytes) }
        }
        append(UInt32(draft.payload.canonicalBytes.count))
        buffer.append(contentsOf: draft.payload.canonicalBytes)
    }

    /// Appends the chain hash, turning the envelope into the stored record.
    mutating func seal(with hash: SHA256Hash) { buffer.append(contentsOf: hash.bytes) }

    private mutating func append(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    private mutating func append(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    private mutating func append(_ id: EventID) {
        withUnsafeBytes(of: id.high.bigEndian) { buffer.append(contentsOf: $0) }
        withUnsafeBytes(of: id.low.bigEndian) { buffer.append(contentsOf: $0) }
    }

    private mutating func appendString(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            append(UInt32(utf8.count))
            buffer.append(contentsOf: utf8)
        }
    }
}
