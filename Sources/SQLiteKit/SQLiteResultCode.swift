/// SQLite's primary result codes by name (sqlite.org/rescode.html), so callers write
/// `catch let error as SQLiteError where error.code == .corrupt` or `error.isDamagedFile` instead of numbers.
public struct SQLiteResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let error = Self(rawValue: 1)
    public static let permission = Self(rawValue: 3)
    public static let abort = Self(rawValue: 4)
    public static let busy = Self(rawValue: 5)
    public static let locked = Self(rawValue: 6)
    public static let noMemory = Self(rawValue: 7)
    public static let readOnly = Self(rawValue: 8)
    public static let interrupt = Self(rawValue: 9)
    public static let ioError = Self(rawValue: 10)
    public static let corrupt = Self(rawValue: 11)
    public static let full = Self(rawValue: 13)
    public static let cannotOpen = Self(rawValue: 14)
    public static let constraint = Self(rawValue: 19)
    public static let notADatabase = Self(rawValue: 26)

    public var description: String { "\(rawValue)" }

    /// Lets `switch error.code { case .corrupt: … }` and `error.code == .busy` read as names.
    public static func ~= (pattern: SQLiteResultCode, value: Int32) -> Bool { pattern.rawValue == value }
}

extension SQLiteError {
    /// The primary result code by name.
    public var resultCode: SQLiteResultCode { SQLiteResultCode(rawValue: code) }

    /// The file is damaged or is not an SQLite database at all (`SQLITE_CORRUPT`, `SQLITE_NOTADB`).
    public var isDamagedFile: Bool { resultCode == .corrupt || resultCode == .notADatabase }
}
