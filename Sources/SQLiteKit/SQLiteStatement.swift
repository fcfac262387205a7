internal import CSQLite

/// A prepared statement with typed binding and column access. Bind, step, read, reset, repeat.
public final class SQLiteStatement {
    let handle: OpaquePointer
    unowned let connection: SQLiteConnection
    public let sql: String

    init(handle: OpaquePointer, connection: SQLiteConnection, sql: String) {
        self.handle = handle
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// True when the statement cannot change the database (`sqlite3_stmt_readonly`).
    public var isReadOnly: Bool { sqlite3_stmt_readonly(handle) != 0 }

    /// The largest parameter index the SQL uses (`?NNN` may leave gaps).
    public var parameterCount: Int { Int(sqlite3_bind_parameter_count(handle)) }

    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    public func columnName(_ index: Int) -> String { String(cString: sqlite3_column_name(handle, Int32(index))) }

    /// Binds parameters 1…n in order.
    public func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        for (offset, value) in values.enumerated() { try bind(value, at: offset + 1) }
    }

    public func bind(_ value: SQLiteValue, at index: Int) throws(SQLiteError) {
        let position = Int32(index)
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(handle, position)
        case .integer(let number): rc = sqlite3_bind_int64(handle, position, number)
        case .real(let number): rc = sqlite3_bind_double(handle, position, number)
        case .text(let text): rc = sqlite3_bind_text(handle, position, text, -1, SQLiteConnection.transient)
        case .blob(let bytes):
            rc = bytes.withUnsafeBytes {
                sqlite3_bind_blob(handle, position, $0.baseAddress, Int32($0.count), SQLiteConnection.transient)
            }
        }
        guard rc == SQLITE_OK else { throw SQLiteError.from(connection.handle, code: rc, sql: sql) }
    }

    /// Typed binds for hot loops (a rebuild binds millions of rows), skipping the `SQLiteValue` enum.
    public func bind(_ number: Int64, at index: Int) throws(SQLiteError) {
        try check(sqlite3_bind_int64(handle, Int32(index), number))
    }

    public func bind(_ number: Double, at index: Int) throws(SQLiteError) {
        try check(sqlite3_bind_double(handle, Int32(index), number))
    }

    public func bindNull(at index: Int) throws(SQLiteError) { try check(sqlite3_bind_null(handle, Int32(index))) }

    /// Binds UTF-8 bytes as TEXT; SQLite copies them, so they need not outlive the call.
    public func bind(text bytes: UnsafeRawBufferPointer, at index: Int) throws(SQLiteError) {
        guard let start = bytes.baseAddress, !bytes.isEmpty else {
            return try check(sqlite3_bind_text(handle, Int32(index), "", 0, SQLiteConnection.transient))
        }
        try check(
            sqlite3_bind_text(
                handle, Int32(index), start.assumingMemoryBound(to: CChar.self), Int32(bytes.count),
                SQLiteConnection.transient))
    }

    private func check(_ rc: Int32) throws(SQLiteError) {
        guard rc == SQLITE_OK else { throw SQLiteError.from(connection.handle, code: rc, sql: sql) }
    }

    /// Advances; true when a row is available.
    @discardableResult
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw SQLiteError.from(connection.handle, code: rc, sql: sql)
        }
    }

    /// Resets for another execution and clears bindings.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Binds, steps to completion and resets: one execution of a write statement.
    public func run(_ values: [SQLiteValue] = []) throws(SQLiteError) {
        defer { reset() }
        try bind(values)
        while try step() {}
    }

    /// Steps a write statement whose parameters are already bound, then resets it (keeping nothing bound
    /// that a later execution would not rebind).
    public func execute() throws(SQLiteError) {
        defer { sqlite3_reset(handle) }
        while try step() {}
    }

    public func value(_ column: Int) -> SQLiteValue {
        let index = Int32(column)
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(handle, index)))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard let bytes = sqlite3_column_blob(handle, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default: return .null
        }
    }

    /// How a column of the current row is stored (SQLite types values, not columns).
    public func storageClass(_ column: Int) -> SQLiteStorageClass {
        switch sqlite3_column_type(handle, Int32(column)) {
        case SQLITE_INTEGER: .integer
        case SQLITE_FLOAT: .real
        case SQLITE_TEXT: .text
        case SQLITE_BLOB: .blob
        default: .null
        }
    }

    public func int64(_ column: Int) -> Int64? {
        sqlite3_column_type(handle, Int32(column)) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, Int32(column))
    }

    public func double(_ column: Int) -> Double? {
        sqlite3_column_type(handle, Int32(column)) == SQLITE_NULL ? nil : sqlite3_column_double(handle, Int32(column))
    }

    public func string(_ column: Int) -> String? {
        guard let text = sqlite3_column_text(handle, Int32(column)) else { return nil }
        return String(cString: text)
    }

    /// The bytes of a TEXT (or BLOB) column of the current row, valid only inside `body`; nil for NULL.
    public func withBytes<R>(_ column: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        let index = Int32(column)
        guard sqlite3_column_type(handle, index) != SQLITE_NULL else { return nil }
        let start = sqlite3_column_blob(handle, index)
        let count = Int(sqlite3_column_bytes(handle, index))
        return try body(UnsafeRawBufferPointer(start: count > 0 ? start : nil, count: count))
    }

    /// Every row as values (for small results and tests).
    public func rows(_ values: [SQLiteValue] = []) throws(SQLiteError) -> [[SQLiteValue]] {
        defer { reset() }
        try bind(values)
        var rows: [[SQLiteValue]] = []
        while try step() { rows.append((0..<columnCount).map(value)) }
        return rows
    }
}

@available(*, unavailable)
extension SQLiteStatement: Sendable {}

/// The storage class of one value: SQLite's five.
public enum SQLiteStorageClass: Sendable {
    case integer, real, text, blob, null
}
