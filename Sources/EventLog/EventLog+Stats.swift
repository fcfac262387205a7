/// Sizes and counts of a log, for `log stats`.
public struct LogStats: Sendable, Equatable {
    public let formatVersion: UInt32
    public let events: UInt64
    public let head: LogHead?
    public let firstRecordedAt: Int64?
    public let streams: Int
    public let types: Int
    public let blobs: Int
    /// Bytes of blob content as received, not counting the store's own overhead.
    public let blobBytes: Int64
    /// Bytes the blob store holds for them (compressed where that was smaller).
    public let blobStoredBytes: Int64
    /// Compression dictionaries trained on this ledger's bodies.
    public let blobDictionaries: Int
    /// Size of the LMDB data file.
    public let fileBytes: Int64
    /// Current memory-map size (the file may grow to this before the map is enlarged).
    public let mapBytes: Int64
}

extension EventLog {
    public func stats() throws -> LogStats {
        try env.read { txn in
            let reader = LogReader(
                txn: LMDBTransaction(handle: txn.handle), dbs: dbs, codec: blobCodec, records: recordCodec)
            let head = try reader.head()
            var blobBytes: Int64 = 0
            var blobStoredBytes: Int64 = 0
            try txn.withCursor(dbs.blobs) { cursor in
                var entry = try cursor.first()
                while let current = entry {
                    let stored = try BlobStore.resolve(current.value, txn: txn, dbs: dbs)
                    let value = (try? stored.get()) ?? current.value
                    blobBytes += Int64(BlobStore.contentSize(of: value) ?? 0)
                    blobStoredBytes += Int64(value.count)
                    entry = try cursor.next()
                }
            }
            return LogStats(
                formatVersion: try EventLog.storedFormat(txn: txn, meta: dbs.meta) ?? EventLog.formatVersion,
                events: head?.position ?? 0,
                head: head,
                firstRecordedAt: try reader.event(at: 1)?.recordedAt,
                streams: try txn.entryCount(dbs.streams),
                types: try txn.entryCount(dbs.types),
                blobs: try txn.entryCount(dbs.blobs),
                blobBytes: blobBytes,
                blobStoredBytes: blobStoredBytes,
                blobDictionaries: try blobCodec.dictionaries.count(txn: txn, dbs: dbs),
                fileBytes: FileSystem.fileSize(directory + "/data.mdb") ?? 0,
                mapBytes: Int64(env.mapSize))
        }
    }
}
