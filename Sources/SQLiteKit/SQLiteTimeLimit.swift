internal import CSQLite

#if canImport(Glibc)
    import Glibc
#endif

extension SQLiteConnection {
    /// Prepares exactly one statement: anything after it but white space and comments is refused, so
    /// `SELECT 1; DELETE FROM labs` cannot run its second half unseen.
    public func prepareSingle(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var statement: OpaquePointer?
        var next: OpaquePointer?
        let rc = sql.withCString { text -> Int32 in
            var tail: UnsafePointer<CChar>?
            let first = sqlite3_prepare_v2(handle, text, -1, &statement, &tail)
            guard first == SQLITE_OK, let tail else { return first }
            var rest: UnsafePointer<CChar>?
            let second = sqlite3_prepare_v2(handle, tail, -1, &next, &rest)
            return second == SQLITE_OK ? SQLITE_OK : second
        }
        if next != nil {
            sqlite3_finalize(next)
            sqlite3_finalize(statement)
            throw SQLiteError(
                code: SQLITE_MISUSE, extendedCode: SQLITE_MISUSE, message: "more than one statement", sql: sql)
        }
        guard rc == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            if rc == SQLITE_OK {
                throw SQLiteError(
                    code: SQLITE_MISUSE, extendedCode: SQLITE_MISUSE, message: "no statement in the SQL", sql: sql)
            }
            throw SQLiteError.from(handle, code: rc, sql: sql)
        }
        return SQLiteStatement(handle: statement, connection: self, sql: sql)
    }

    /// Runs `body` with SQLite's progress handler stopping any statement still running after `seconds`: the
    /// statement fails with `SQLITE_INTERRUPT` (`SQLiteResultCode.interrupt`) instead of running on.
    public func withTimeLimit<R>(seconds: Double, _ body: () throws -> R) rethrows -> R {
        let deadline = Deadline(nanoseconds: Deadline.now() + UInt64(max(0, seconds) * 1e9))
        let context = Unmanaged.passRetained(deadline)
        sqlite3_progress_handler(
            handle, 10_000,
            { pointer in
                guard let pointer else { return 0 }
                return Unmanaged<Deadline>.fromOpaque(pointer).takeUnretainedValue().passed ? 1 : 0
            }, context.toOpaque())
        defer {
            sqlite3_progress_handler(handle, 0, nil, nil)
            context.release()
        }
        return try body()
    }
}

/// A moment on the monotonic clock, read by SQLite's progress handler on the connection's own thread.
private final class Deadline {
    let nanoseconds: UInt64
    init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    var passed: Bool { Deadline.now() >= nanoseconds }
}
