import EventLog
import Platform

#if canImport(Glibc)
    import Glibc
#endif

/// Drafts written once and read back once: `log append`'s first pass parses every line and writes its draft
/// here, so the second pass appends without parsing again. It is an `UnlinkedFile`: it disappears with the
/// process however that ends.
final class DraftSpool {
    private let descriptor: Int32
    private var pending: [UInt8] = []
    private static let chunk = 1 << 20

    /// Where the spool lives, for messages.
    let directory: String

    init(directory: String) throws {
        self.directory = directory
        descriptor = try UnlinkedFile.create(in: directory)
    }

    deinit { close(descriptor) }

    /// Appends encoded drafts (see `encode`).
    func write(_ records: [UInt8]) throws {
        pending.append(contentsOf: records)
        if pending.count >= Self.chunk { try flush() }
    }

    private func flush() throws {
        do { try writeAll(descriptor, pending) } catch {
            if DiskSpace.isFull(at: directory, needing: UInt64(pending.count)) {
                throw LedgerError.file(
                    path: directory,
                    reason:
                        "the disk is full (\(DiskSpace.text(DiskSpace.available(at: directory) ?? 0)) free) while the input was being checked; nothing was appended — free some space and run again"
                )
            }
            throw LedgerError.file(path: "the append spool", reason: error.description)
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// The drafts written, in order, a batch at a time, with the input line of each.
    func batches(of size: Int) throws -> Batches {
        try flush()
        guard lseek(descriptor, 0, SEEK_SET) == 0 else {
            throw LedgerError.file(path: "the append spool", reason: String(cString: strerror(errno)))
        }
        return Batches(spool: self, size: size)
    }

    /// Reads the spool front to back. Used by one thread at a time: `AppendInput.batches` asks for the next
    /// batch on a helper thread only once the one before has been handed over.
    final class Batches: @unchecked Sendable {
        private let spool: DraftSpool
        private let size: Int
        private var buffer = [UInt8](repeating: 0, count: DraftSpool.chunk)
        private var carry: [UInt8] = []
        private var ended = false

        fileprivate init(spool: DraftSpool, size: Int) {
            self.spool = spool
            self.size = size
        }

        /// The next batch of at most `size` drafts and their lines; nil after the last.
        func next() throws -> (drafts: [EventDraft], lines: [Int])? {
            var drafts: [EventDraft] = []
            var lines: [Int] = []
            drafts.reserveCapacity(size)
            lines.reserveCapacity(size)
            while drafts.count < size {
                var reader = SpoolReader(bytes: carry)
                while drafts.count < size, let (draft, line) = reader.next() {
                    drafts.append(draft)
                    lines.append(line)
                }
                carry.removeFirst(reader.offset)
                if drafts.count == size || ended { break }
                let count: Int
                do { count = try readSome(spool.descriptor, into: &buffer) } catch {
                    throw LedgerError.file(path: "the append spool", reason: error.description)
                }
                if count == 0 { ended = true } else { carry.append(contentsOf: buffer[0..<count]) }
            }
            if ended, drafts.isEmpty {
                guard carry.isEmpty else {
                    throw LedgerError.file(path: "the append spool", reason: "ends inside a record")
                }
                return nil
            }
            return (drafts, lines)
        }
    }

    // MARK: Record format: u32 length, then the fields below, little-endian.

    /// Where a record's 16 id bytes are, so an id given later (in input order) can be written in place.
    static let idOffset = 4 + 8

    static func encode(_ draft: EventDraft, line: Int, into out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: [0, 0, 0, 0])
        put(UInt64(line), &out)
        put(draft.id.high, &out)
        put(draft.id.low, &out)
        var flags: UInt8 = 0
        if draft.expectedVersion != nil { flags |= 1 }
        if draft.observedAt != nil { flags |= 2 }
        if draft.correlationID != nil { flags |= 4 }
        if draft.causation != nil { flags |= 8 }
        out.append(flags)
        put(UInt64(draft.schemaVersion), &out)
        if let value = draft.expectedVersion { put(value, &out) }
        if let value = draft.observedAt { put(UInt64(bitPattern: value), &out) }
        if let value = draft.correlationID {
            put(value.high, &out)
            put(value.low, &out)
        }
        if let value = draft.causation { put(value, &out) }
        for text in [draft.stream, draft.type, draft.source] { putBytes(Array(text.utf8), &out) }
        putBytes(draft.payload.canonicalBytes, &out)
        let length = UInt32(out.count - start)
        withUnsafeBytes(of: length.littleEndian) { out.replaceSubrange(start..<(start + 4), with: $0) }
    }

    /// Writes `id` into the record that starts at `start` of `records`.
    static func setID(_ id: EventID, inRecordAt start: Int, of records: inout [UInt8]) {
        var offset = start + idOffset
        for word in [id.high, id.low] {
            withUnsafeBytes(of: word.littleEndian) { records.replaceSubrange(offset..<(offset + 8), with: $0) }
            offset += 8
        }
    }

    private static func put(_ value: UInt64, _ out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    private static func putBytes(_ bytes: [UInt8], _ out: inout [UInt8]) {
        withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: bytes)
    }
}

/// Reads whole records from the front of a buffer.
private struct SpoolReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func next() -> (EventDraft, Int)? {
        guard bytes.count - offset >= 4 else { return nil }
        let length = Int(u32(offset))
        guard bytes.count - offset >= length else { return nil }
        var at = offset + 4
        func u64() -> UInt64 {
            defer { at += 8 }
            return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian }
        }
        func data() -> [UInt8] {
            let count = Int(u32(at))
            defer { at += 4 + count }
            return Array(bytes[(at + 4)..<(at + 4 + count)])
        }
        let line = Int(u64())
        let id = EventID(high: u64(), low: u64())
        let flags = bytes[at]
        at += 1
        let schemaVersion = UInt32(u64())
        let expected = flags & 1 != 0 ? u64() : nil
        let observed = flags & 2 != 0 ? Int64(bitPattern: u64()) : nil
        let correlation = flags & 4 != 0 ? EventID(high: u64(), low: u64()) : nil
        let causation = flags & 8 != 0 ? u64() : nil
        let stream = String(decoding: data(), as: UTF8.self)
        let type = String(decoding: data(), as: UTF8.self)
        let source = String(decoding: data(), as: UTF8.self)
        let payload = Payload(canonicalBytesFromSpool: data())
        var draft = EventDraft(
            id: id, stream: stream, type: type, schemaVersion: schemaVersion, payload: payload,
            expectedVersion: expected, observedAt: observed, correlationID: correlation, causation: causation,
            source: source)
        draft.schemaVersion = schemaVersion
        offset += length
        return (draft, line)
    }

    private func u32(_ at: Int) -> UInt32 {
        bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian }
    }
}
