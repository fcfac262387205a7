internal import CLMDB
import Platform

#if canImport(Glibc)
    import Glibc
#endif

/// How an environment is opened.
struct LMDBOptions: Sendable {
    var initialMapSize: Int
    var maxDatabases: UInt32
    var maxReaders: UInt32
    /// False only for throwaway data (benchmarks of the non-durable mode, never the default).
    var durable: Bool
    /// Open without writing anything, not even the lock file (`MDB_RDONLY | MDB_NOLOCK`): for a log this user
    /// may read but not write. Without the lock table, a writer in another process is not seen until reopening.
    var readOnly = false
}

/// An open LMDB environment: one per directory per process.
///
/// `@unchecked Sendable` is sound because LMDB environment handles are thread-safe, transactions are only
/// lent to synchronous closures, and the one piece of mutable state (the map size) changes only under the
/// exclusive side of `mapLock`, while no transaction of this process is open.
final class LMDBEnvironment: @unchecked Sendable {
    let path: String
    private let handle: OpaquePointer
    private let mapLock = ReadWriteLock()
    /// Stale reader slots cleared at open: processes that died while reading.
    let staleReadersCleared: Int32

    init(path: String, options: LMDBOptions) throws(LMDBError) {
        var env: OpaquePointer?
        try check(mdb_env_create(&env), "mdb_env_create")
        guard let env else { throw LMDBError(code: EINVAL, operation: "mdb_env_create") }
        do {
            try check(mdb_env_set_maxdbs(env, options.maxDatabases), "mdb_env_set_maxdbs")
            try check(mdb_env_set_maxreaders(env, options.maxReaders), "mdb_env_set_maxreaders")
            try check(mdb_env_set_mapsize(env, options.initialMapSize), "mdb_env_set_mapsize")
            // NOTLS: reader slots belong to transactions, not threads, which Swift's thread pool needs.
            var flags = UInt32(MDB_NOTLS)
            if !options.durable { flags |= UInt32(MDB_NOSYNC) }
            if options.readOnly { flags |= UInt32(MDB_RDONLY) | UInt32(MDB_NOLOCK) }
            // 0600: the log holds account ids and server replies.
            try check(mdb_env_open(env, path, flags, 0o600), "mdb_env_open(\(path))")
            var dead: Int32 = 0
            try check(mdb_reader_check(env, &dead), "mdb_reader_check")
            staleReadersCleared = dead
        } catch {
            mdb_env_close(env)
            throw error
        }
        self.path = path
        self.handle = env
        self.readOnly = options.readOnly
    }

    let readOnly: Bool

    deinit {
        mdb_env_close(handle)
    }

    /// The current map size in bytes (the most the data file may grow to before the map is enlarged).
    var mapSize: Int {
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        return info.me_mapsize
    }

    /// Runs `body` in a read-only transaction.
    func read<R>(_ body: (borrowing LMDBTransaction) throws -> R) throws -> R {
        while true {
            do {
                return try mapLock.withSharedAccess {
                    let txn = try begin(flags: UInt32(MDB_RDONLY))
                    defer { mdb_txn_abort(txn.handle) }
                    return try body(txn)
                }
            } catch let error as LMDBError where error.isMapResized {
                try adoptMapSizeFromOtherProcess()
            }
        }
    }

    /// Runs `body` in a write transaction and commits when it returns; a throw aborts.
    ///
    /// When the map is full the transaction is aborted, the map doubled and `body` run again from the start,
    /// so `body` must not have effects outside the transaction other than ones that are safe to repeat.
    func write<R>(_ body: (borrowing LMDBTransaction) throws -> R) throws -> R {
        while true {
            do {
                return try mapLock.withSharedAccess {
                    let txn = try begin(flags: 0)
                    let result: R
                    do {
                        result = try body(txn)
                    } catch {
                        mdb_txn_abort(txn.handle)
                        throw error
                    }
                    // LMDB frees the transaction whether or not the commit succeeds.
                    try check(mdb_txn_commit(txn.handle), "mdb_txn_commit")
                    return result
                }
            } catch let error as LMDBError where error.isMapFull {
                try growMap()
            } catch let error as LMDBError where error.isMapResized {
                try adoptMapSizeFromOtherProcess()
            }
        }
    }

    /// Opens (creating when asked) a named database. Call once at start-up and keep the handle.
    /// - Parameter sortedDuplicates: a `MDB_DUPSORT | MDB_DUPFIXED` table: many fixed-size values per key.
    func openDatabase(_ name: String, create: Bool, sortedDuplicates: Bool = false) throws -> LMDBDatabase? {
        if readOnly {
            // A read transaction that commits keeps the handle (an aborted one would close it).
            return try mapLock.withSharedAccess {
                let txn = try begin(flags: UInt32(MDB_RDONLY))
                var dbi: MDB_dbi = 0
                let flags = sortedDuplicates ? UInt32(MDB_DUPSORT) | UInt32(MDB_DUPFIXED) : 0
                let rc = mdb_dbi_open(txn.handle, name, flags, &dbi)
                guard rc != MDB_NOTFOUND else {
                    mdb_txn_abort(txn.handle)
                    return nil
                }
                do {
                    try check(rc, "mdb_dbi_open(\(name))")
                } catch {
                    mdb_txn_abort(txn.handle)
                    throw error
                }
                try check(mdb_txn_commit(txn.handle), "mdb_txn_commit")
                return LMDBDatabase(dbi: dbi, name: name)
            }
        }
        return try write { txn in
            var dbi: MDB_dbi = 0
            var flags = create ? UInt32(MDB_CREATE) : 0
            if sortedDuplicates { flags |= UInt32(MDB_DUPSORT) | UInt32(MDB_DUPFIXED) }
            let rc = mdb_dbi_open(txn.handle, name, flags, &dbi)
            if rc == MDB_NOTFOUND { return nil }
            try check(rc, "mdb_dbi_open(\(name))")
            return LMDBDatabase(dbi: dbi, name: name)
        }
    }

    /// Forces the data to disk; used after a non-durable bulk load.
    func sync() throws(LMDBError) {
        try check(mdb_env_sync(handle, 1), "mdb_env_sync")
    }

    private func begin(flags: UInt32) throws(LMDBError) -> LMDBTransaction {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(handle, nil, flags, &txn), "mdb_txn_begin")
        guard let txn else { throw LMDBError(code: EINVAL, operation: "mdb_txn_begin") }
        return LMDBTransaction(handle: txn)
    }

    private func growMap() throws {
        try mapLock.withExclusiveAccess {
            let current = mapSize
            try check(mdb_env_set_mapsize(handle, current * 2), "mdb_env_set_mapsize(\(current * 2))")
        }
    }

    /// Another process grew the map; size 0 makes LMDB adopt the size recorded in the file.
    private func adoptMapSizeFromOtherProcess() throws {
        try mapLock.withExclusiveAccess {
            try check(mdb_env_set_mapsize(handle, 0), "mdb_env_set_mapsize(0)")
        }
    }
}
