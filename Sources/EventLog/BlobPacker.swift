/// Packs a batch's blobs into shared values instead of one LMDB value each.
///
/// A value too big for a leaf page gets overflow pages of its own, rounded up to 4 KB: compressed runtimes of
/// about 5 KB took 7 KB each that way. Blobs whose stored value is over `inlineLimit` are appended to a pack,
/// a value of up to `packLimit` bytes keyed by a u64 pack number (big-endian, appended in order), and their
/// entry in `blobs` locates them in it (encoding 2). Smaller ones stay inline, where a leaf page holds many.
/// A pack is written by the transaction whose blobs it holds and never changed, like everything in the log.
struct BlobPacker {
    static let inlineLimit = 1024
    static let packLimit = 1 << 20

    private var nextPack: UInt64?
    private var pending: [UInt8] = []

    /// Stores `stored` under `hash` unless the log already holds that blob.
    mutating func store(_ hash: SHA256Hash, stored: [UInt8], txn: borrowing LMDBTransaction, dbs: LogDatabases) throws {
        let exists = try hash.withUnsafeBytes { try txn.get(dbs.blobs, $0) != nil }
        if exists { return }
        guard stored.count > Self.inlineLimit, let packs = dbs.blobPacks else {
            try put(hash, stored, txn: txn, dbs: dbs)
            return
        }
        if !pending.isEmpty && pending.count + stored.count > Self.packLimit { try flush(txn: txn, dbs: dbs) }
        let pack = try nextPack ?? Self.firstFree(packs, txn: txn)
        nextPack = pack
        var locator: [UInt8] = [BlobStore.packedEncoding]
        withUnsafeBytes(of: pack.littleEndian) { locator.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(pending.count).littleEndian) { locator.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(stored.count).littleEndian) { locator.append(contentsOf: $0) }
        pending.append(contentsOf: stored)
        try put(hash, locator, txn: txn, dbs: dbs)
    }

    /// Writes the pack being filled, if any; called before the batch's transaction commits.
    mutating func flush(txn: borrowing LMDBTransaction, dbs: LogDatabases) throws {
        guard !pending.isEmpty, let pack = nextPack, let packs = dbs.blobPacks else { return }
        let appended = try Keys.withPosition(pack) { key in
            try pending.withUnsafeBytes { try txn.put(packs, key, $0, flags: .append) }
        }
        guard appended else {
            throw EventLogError.corruptRecord(position: 0, reason: "blob pack \(pack) already exists")
        }
        nextPack = pack + 1
        pending.removeAll(keepingCapacity: true)
    }

    private func put(_ hash: SHA256Hash, _ value: [UInt8], txn: borrowing LMDBTransaction, dbs: LogDatabases) throws {
        try hash.withUnsafeBytes { key in
            try value.withUnsafeBytes { _ = try txn.put(dbs.blobs, key, $0, flags: .noOverwrite) }
        }
    }

    /// The number after the log's last pack (packs start at 1).
    private static func firstFree(_ packs: LMDBDatabase, txn: borrowing LMDBTransaction) throws -> UInt64 {
        try txn.withCursor(packs) { cursor in try cursor.last().map { Keys.uint64($0.key, bigEndian: true) + 1 } ?? 1 }
    }
}
