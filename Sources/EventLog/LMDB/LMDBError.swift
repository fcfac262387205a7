internal import CLMDB

/// A failed LMDB call: the C return code plus what we were doing, so a report names the operation.
public struct LMDBError: Error, CustomStringConvertible, Equatable {
    /// The LMDB or errno code returned by the C call.
    public let code: Int32
    /// The wrapper operation that failed, such as `mdb_put(events)`.
    public let operation: String

    public var description: String {
        let message = String(cString: mdb_strerror(code))
        return "LMDB \(operation) failed: \(message) (code \(code))"
    }

    var isMapFull: Bool { code == MDB_MAP_FULL }
    /// The file is not an LMDB environment, or one of another LMDB version.
    var isNotLMDB: Bool { code == MDB_INVALID || code == MDB_VERSION_MISMATCH }
    var isMapResized: Bool { code == MDB_MAP_RESIZED }
}

/// Turns an LMDB return code into a typed error in one place, as swift-nio does for errno.
@inline(__always)
func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
    if rc != 0 { throw LMDBError(code: rc, operation: operation()) }
}
