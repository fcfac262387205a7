/// The content-addressed blob store: SHA-256 → one encoding byte + the bytes. Storing the same bytes
/// again is a no-op, which is what makes a re-fetched payload cost nothing.
enum BlobStore {
    /// Byte 0 of a stored blob. Only identity exists today; a compressed encoding would add a value.
    static let identityEncoding: UInt8 = 0

    static func store(_ blob: Blob, txn: borrowing LMDBTransaction, dbs: LogDatabases) throws {
        let exists = try blob.hash.withUnsafeBytes { try txn.get(dbs.blobs, $0) != nil }
        if exists { return }
        var stored = [identityEncoding]
        stored.reserveCapacity(blob.bytes.count + 1)
        stored.append(contentsOf: blob.bytes)
        try blob.hash.withUnsafeBytes { key in
            try stored.withUnsafeBytes { _ = try txn.put(dbs.blobs, key, $0, flags: .noOverwrite) }
        }
    }

    /// The content of a stored value, or nil when its encoding byte is unknown.
    static func content(of stored: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard stored.count >= 1, stored[0] == identityEncoding else { return nil }
        return UnsafeRawBufferPointer(rebasing: stored[1...])
    }
}
