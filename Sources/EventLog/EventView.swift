/// A zero-copy look at one stored event, valid only inside the closure it is lent to.
///
/// Replays that touch a few fields (projections deciding whether an event concerns them, benchmarks, verify)
/// read them straight from the memory map (or, for a compressed record, from the buffer it was rebuilt in);
/// `decoded()` makes an owned `RecordedEvent` when one is needed.
public struct EventView: ~Copyable {
    let record: UnsafeRawBufferPointer

    public var position: UInt64 { load(EnvelopeLayout.positionOffset) }
    public var recordedAt: Int64 { Int64(bitPattern: load(EnvelopeLayout.recordedAtOffset)) }
    public var streamVersion: UInt64 { load(EnvelopeLayout.streamVersionOffset) }
    /// The position of the event this one follows from, when it names one.
    public var causation: UInt64? {
        record[EnvelopeLayout.flagsOffset] & EnvelopeLayout.hasCausation != 0
            ? load(EnvelopeLayout.causationOffset) : nil
    }
    /// Size of the record (envelope plus hash) in bytes, as appended (before any compression).
    public var recordBytes: Int { record.count }

    /// The UTF-8 bytes of the event type, for filtering without allocating a String.
    public func withTypeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        do {
            return try body(try RecordDecoder(record: record).typeBytes())
        } catch let corrupt as RecordDecoder.Corrupt {
            throw EventLogError.corruptRecord(position: position, reason: corrupt.reason)
        }
    }

    /// The canonical JSON payload bytes.
    public func withPayloadBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        do {
            return try body(try RecordDecoder(record: record).payloadBytes())
        } catch let corrupt as RecordDecoder.Corrupt {
            throw EventLogError.corruptRecord(position: position, reason: corrupt.reason)
        }
    }

    /// The whole event as owned values.
    public func decoded() throws -> RecordedEvent { try LogReader.decode(record, position: position) }

    private func load(_ offset: Int) -> UInt64 {
        UInt64(littleEndian: record.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}

@available(*, unavailable)
extension EventView: Sendable {}

extension LogReader {
    /// Visits events in position order as zero-copy views until `visit` returns false.
    public func forEachView(
        from: UInt64 = 1, through: UInt64 = .max, _ visit: (borrowing EventView) throws -> Bool
    ) throws {
        guard from <= through else { return }
        var scratch = RecordScratch()
        try txn.withCursor(dbs.events) { cursor in
            var entry = try Keys.withPosition(from) { try cursor.seek(atLeast: $0) }
            while let current = entry {
                let position = Keys.uint64(current.key, bigEndian: true)
                if position > through { return }
                // A compressed record is rebuilt into one buffer reused along the walk.
                let more = try withPlainRecord(current.value, position: position, scratch: &scratch) { record in
                    guard record.count >= EnvelopeLayout.fixedSize + EnvelopeLayout.hashSize else {
                        throw EventLogError.corruptRecord(position: position, reason: "record is truncated")
                    }
                    return try visit(EventView(record: record))
                }
                guard more else { return }
                entry = try cursor.next()
            }
        }
    }
}
