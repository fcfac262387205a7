internal import CLMDB

#if canImport(Glibc)
    import Glibc
#endif

/// A named database inside an environment. DBI handles are plain integers, opened once at start-up and
/// then shared freely.
struct LMDBDatabase: Sendable, Hashable {
    let dbi: UInt32
    let name: String
}

/// Flags for `mdb_put`, wrapped once so call sites never juggle `Int32`/`UInt32` conversions.
struct PutFlags: OptionSet, Sendable {
    let rawValue: UInt32
    static let noOverwrite = PutFlags(rawValue: UInt32(MDB_NOOVERWRITE))
    static let append = PutFlags(rawValue: UInt32(MDB_APPEND))
    /// In a duplicates table: the value sorts after every existing value of its key.
    static let appendDuplicate = PutFlags(rawValue: UInt32(MDB_APPENDDUP))
}

/// An LMDB transaction, lent to a synchronous closure and never allowed to escape it.
///
/// It is `~Copyable` and only handed out `borrowing`, so the compiler rejects storing it, sending it to another
/// task, or awaiting while it is open (a write transaction must end on the thread that began it).
/// Byte buffers it returns point into the memory map and are valid only until the closure returns.
struct LMDBTransaction: ~Copyable {
    let handle: OpaquePointer

    /// The value stored under `key`, or nil when there is none.
    func get(_ db: LMDBDatabase, _ key: UnsafeRawBufferPointer) throws(LMDBError) -> UnsafeRawBufferPointer? {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val()
        let rc = mdb_get(handle, db.dbi, &k, &v)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_get(\(db.name))")
        return UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
    }

    /// Stores `value` under `key`. Returns false, and writes nothing, when `.noOverwrite` or `.append`
    /// refused because the key exists (or, with `.append`, is not greater than the last key).
    @discardableResult
    func put(
        _ db: LMDBDatabase, _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, flags: PutFlags = []
    ) throws(LMDBError) -> Bool {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        let rc = mdb_put(handle, db.dbi, &k, &v, flags.rawValue)
        if rc == MDB_KEYEXIST { return false }
        try check(rc, "mdb_put(\(db.name))")
        return true
    }

    /// LMDB's id of this transaction: a write transaction's id is one more than the last committed one's.
    var id: Int { mdb_txn_id(handle) }

    /// Drops this process's page-table entries for the whole memory map. LMDB maps the file shared and
    /// read-only, so the pages stay in the kernel's page cache and fault back in on the next access: a long
    /// replay's resident memory is what it is using now, not the whole log it has walked. The map cannot move
    /// meanwhile, since an open transaction holds off map growth.
    func releaseMappedPages() {
        // LMDB does not say where it mapped the file (`me_mapaddr` is only set for MDB_FIXEDMAP): the kernel does.
        var directory: UnsafePointer<CChar>?
        guard let env = mdb_txn_env(handle), mdb_env_get_path(env, &directory) == 0, let directory,
            let maps = FileSystem.text("/proc/self/maps")
        else { return }
        let dataFile = FileSystem.canonicalPath(String(cString: directory)) + "/data.mdb"
        for line in maps.split(separator: "\n") where line.hasSuffix(dataFile) {
            let range = line.prefix { $0 != " " }.split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16),
                end > start, let address = UnsafeMutableRawPointer(bitPattern: start)
            else { continue }
            _ = madvise(address, Int(end - start), MADV_DONTNEED)
        }
    }

    /// Number of entries in a database, from LMDB's B-tree statistics (no scan).
    func entryCount(_ db: LMDBDatabase) throws(LMDBError) -> Int {
        var stat = MDB_stat()
        try check(mdb_stat(handle, db.dbi, &stat), "mdb_stat(\(db.name))")
        return stat.ms_entries
    }

    /// Runs `body` with a cursor over `db`; the cursor is closed when the closure returns.
    func withCursor<R>(_ db: LMDBDatabase, _ body: (LMDBCursor) throws -> R) throws -> R {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(handle, db.dbi, &cursor), "mdb_cursor_open(\(db.name))")
        guard let cursor else { throw LMDBError(code: EINVAL, operation: "mdb_cursor_open(\(db.name))") }
        defer { mdb_cursor_close(cursor) }
        return try body(LMDBCursor(handle: cursor, database: db))
    }
}

@available(*, unavailable)
extension LMDBTransaction: Sendable {}

/// A cursor lent to a closure. Each move returns the entry it lands on, or nil past either end.
///
/// Unlike `LMDBTransaction` it is Copyable: with `~Copyable`, Swift 6.3.1's generic specializer crashes
/// (`Cannot initialize a nonCopyable type with a guaranteed value`) on `withCursor` in release builds.
/// It is still created only by `withCursor`, closed when that returns, and not Sendable.
struct LMDBCursor {
    typealias Entry = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)

    let handle: OpaquePointer
    let database: LMDBDatabase

    func first() throws(LMDBError) -> Entry? { try move(MDB_FIRST, key: nil) }
    func last() throws(LMDBError) -> Entry? { try move(MDB_LAST, key: nil) }
    func next() throws(LMDBError) -> Entry? { try move(MDB_NEXT, key: nil) }
    func previous() throws(LMDBError) -> Entry? { try move(MDB_PREV, key: nil) }
    /// The first entry whose key is greater than or equal to `key`.
    func seek(atLeast key: UnsafeRawBufferPointer) throws(LMDBError) -> Entry? { try move(MDB_SET_RANGE, key: key) }
    /// In a duplicates table: the first value of `key` that is greater than or equal to `value`.
    func seek(key: UnsafeRawBufferPointer, valueAtLeast value: UnsafeRawBufferPointer) throws(LMDBError) -> Entry? {
        try move(MDB_GET_BOTH_RANGE, key: key, value: value)
    }
    /// In a duplicates table: exactly this key and value.
    func seek(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(LMDBError) -> Entry? {
        try move(MDB_GET_BOTH, key: key, value: value)
    }
    /// In a duplicates table: the next value of the current key.
    func nextDuplicate() throws(LMDBError) -> Entry? { try move(MDB_NEXT_DUP, key: nil) }

    private func move(_ op: MDB_cursor_op, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer? = nil)
        throws(LMDBError) -> Entry?
    {
        var k = MDB_val(mv_size: key?.count ?? 0, mv_data: UnsafeMutableRawPointer(mutating: key?.baseAddress))
        var v = MDB_val(mv_size: value?.count ?? 0, mv_data: UnsafeMutableRawPointer(mutating: value?.baseAddress))
        let rc = mdb_cursor_get(handle, &k, &v, op)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_cursor_get(\(database.name))")
        return (
            UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
            UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
        )
    }
}

@available(*, unavailable)
extension LMDBCursor: Sendable {}
