import CLMDB

/// Direct LMDB access that bypasses the EventLog API, for tests that must damage a log the way a disk
/// fault or a hand edit would. The log must not be open in this process while these run.
public enum RawLMDB {
    public struct Failure: Error, CustomStringConvertible {
        public let call: String
        public let code: Int32
        public var description: String { "\(call) failed: \(String(cString: mdb_strerror(code)))" }
    }

    /// Rewrites the value stored under `key` in the named database through `edit`.
    public static func modify(
        directory: String, database: String, key: [UInt8], _ edit: (inout [UInt8]) -> Void
    ) throws {
        try withWriteTransaction(directory: directory) { txn in
            let (dbi, found) = try lookup(txn, database, key)
            guard var value = found else { throw Failure(call: "mdb_get", code: MDB_NOTFOUND) }
            edit(&value)
            var keyBytes = key
            try keyBytes.withUnsafeMutableBytes { keyBuffer in
                var k = MDB_val(mv_size: keyBuffer.count, mv_data: keyBuffer.baseAddress)
                try value.withUnsafeMutableBytes { valueBuffer in
                    var newValue = MDB_val(mv_size: valueBuffer.count, mv_data: valueBuffer.baseAddress)
                    try check(mdb_put(txn, dbi, &k, &newValue, 0), "mdb_put")
                }
            }
        }
    }

    /// The value stored under `key` in the named database, or nil when there is none.
    public static func value(directory: String, database: String, key: [UInt8]) throws -> [UInt8]? {
        var found: [UInt8]?
        try withWriteTransaction(directory: directory) { found = try lookup($0, database, key).value }
        return found
    }

    private static func lookup(_ txn: OpaquePointer, _ database: String, _ key: [UInt8]) throws
        -> (dbi: MDB_dbi, value: [UInt8]?)
    {
        var dbi: MDB_dbi = 0
        try check(mdb_dbi_open(txn, database, 0, &dbi), "mdb_dbi_open(\(database))")
        var keyBytes = key
        let value = try keyBytes.withUnsafeMutableBytes { keyBuffer -> [UInt8]? in
            var k = MDB_val(mv_size: keyBuffer.count, mv_data: keyBuffer.baseAddress)
            var v = MDB_val()
            let rc = mdb_get(txn, dbi, &k, &v)
            if rc == MDB_NOTFOUND { return nil }
            try check(rc, "mdb_get")
            return Array(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
        }
        return (dbi, value)
    }

    /// Writes `value` under `key`, creating the database when needed.
    public static func put(directory: String, database: String, key: [UInt8], value: [UInt8]) throws {
        try withWriteTransaction(directory: directory) { txn in
            var dbi: MDB_dbi = 0
            try check(mdb_dbi_open(txn, database, UInt32(MDB_CREATE), &dbi), "mdb_dbi_open(\(database))")
            var keyBytes = key
            var valueBytes = value
            try keyBytes.withUnsafeMutableBytes { keyBuffer in
                try valueBytes.withUnsafeMutableBytes { valueBuffer in
                    var k = MDB_val(mv_size: keyBuffer.count, mv_data: keyBuffer.baseAddress)
                    var v = MDB_val(mv_size: valueBuffer.count, mv_data: valueBuffer.baseAddress)
                    try check(mdb_put(txn, dbi, &k, &v, 0), "mdb_put")
                }
            }
        }
    }

    /// Deletes `key` from the named database.
    public static func delete(directory: String, database: String, key: [UInt8]) throws {
        try withWriteTransaction(directory: directory) { txn in
            var dbi: MDB_dbi = 0
            try check(mdb_dbi_open(txn, database, 0, &dbi), "mdb_dbi_open(\(database))")
            var keyBytes = key
            try keyBytes.withUnsafeMutableBytes { keyBuffer in
                var k = MDB_val(mv_size: keyBuffer.count, mv_data: keyBuffer.baseAddress)
                try check(mdb_del(txn, dbi, &k, nil), "mdb_del")
            }
        }
    }

    /// The big-endian key of a log position.
    public static func positionKey(_ position: UInt64) -> [UInt8] {
        withUnsafeBytes(of: position.bigEndian) { Array($0) }
    }

    private static func withWriteTransaction(directory: String, _ body: (OpaquePointer) throws -> Void) throws {
        var env: OpaquePointer?
        try check(mdb_env_create(&env), "mdb_env_create")
        defer { mdb_env_close(env) }
        try check(mdb_env_set_maxdbs(env, 16), "mdb_env_set_maxdbs")
        try check(mdb_env_open(env, directory, UInt32(MDB_NOTLS), 0o644), "mdb_env_open")
        var txn: OpaquePointer?
        try check(mdb_txn_begin(env, nil, 0, &txn), "mdb_txn_begin")
        guard let txn else { return }
        do {
            try body(txn)
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        try check(mdb_txn_commit(txn), "mdb_txn_commit")
    }

    private static func check(_ rc: Int32, _ call: String) throws {
        if rc != 0 { throw Failure(call: call, code: rc) }
    }
}
