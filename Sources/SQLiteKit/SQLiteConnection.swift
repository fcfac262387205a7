internal import CSQLite

/// A value bound to a statement parameter or read from a column.
public enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// One SQLite connection. Not Sendable: it belongs to the task that opened it, as GRDB's `Database` does.
public final class SQLiteConnection {
    public enum Mode: Sendable {
        case readWrite
        /// Opens an existing file read-only (`SQLITE_OPEN_READONLY`): writes fail inside SQLite itself.
        case readOnly
    }

    public let path: String
    let handle: OpaquePointer
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Process-wide settings, applied once before the first connection (SQLite accepts them only then).
    private static let configured: Void = { _ = haasledger_sqlite3_disable_memory_statistics() }()

    public init(path: String, mode: Mode = .readWrite) throws(SQLiteError) {
        SQLiteConnection.configured
        var db: OpaquePointer?
        let flags = mode == .readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let error = SQLiteError.from(db, code: rc, sql: nil)
            sqlite3_close(db)
            throw SQLiteError(
                code: error.code, extendedCode: error.extendedCode, message: "\(path): \(error.message)", sql: nil)
        }
        self.path = path
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 5_000)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements without results.
    public func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw SQLiteError(code: rc & 0xFF, extendedCode: rc, message: text, sql: sql)
        }
    }

    /// Prepares one statement; the statement is finalized when the value is released.
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var statement: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let rc = sql.withCString { sqlite3_prepare_v2(handle, $0, -1, &statement, &tail) }
        guard rc == SQLITE_OK, let statement else {
            if rc == SQLITE_OK {
                throw SQLiteError(
                    code: SQLITE_MISUSE, extendedCode: SQLITE_MISUSE, message: "no statement in the SQL", sql: sql)
            }
            throw SQLiteError.from(handle, code: rc, sql: sql)
        }
        return SQLiteStatement(handle: statement, connection: self, sql: sql)
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    public func transaction<R>(_ body: () throws -> R) throws -> R {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Rows changed by the last statement.
    /// The rowid of the last row inserted through this connection.
    public var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    public var changes: Int { Int(sqlite3_changes(handle)) }
}

@available(*, unavailable)
extension SQLiteConnection: Sendable {}
