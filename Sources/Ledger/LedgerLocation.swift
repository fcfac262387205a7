import EventLog

/// Where a ledger lives on disk: one directory holding the event log (`log/`) and, later, read models.
public struct LedgerLocation: Sendable, Equatable {
    public let root: String

    public init(root: String) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    /// `--ledger` when given, else `HAASLEDGER_PATH`, else the config file's `ledger`, else `./haasledger-data`
    /// (DESIGN §8).
    public static func resolve(
        flag: String?, environment: [String: String], configuration: LedgerConfiguration = LedgerConfiguration()
    ) -> LedgerLocation {
        if let flag, !flag.isEmpty { return LedgerLocation(root: flag) }
        if let path = environment["HAASLEDGER_PATH"], !path.isEmpty { return LedgerLocation(root: path) }
        if let path = configuration.ledger { return LedgerLocation(root: path) }
        return LedgerLocation(root: "./haasledger-data")
    }

    public var logDirectory: String { root + "/log" }

    /// Opens the log. Commands that only read pass `create: false`, so a mistyped path is an error
    /// rather than a new empty ledger.
    public func openLog(create: Bool, clock: any LedgerClock = SystemClock()) throws -> EventLog {
        do {
            return try EventLog.open(directory: logDirectory, options: .init(create: create, clock: clock))
        } catch EventLogError.notFound {
            throw EventLogError.notFound(path: root)
        }
    }
}
