import EventLog

/// A clock that always reads the same instant; the log still keeps `recordedAt` non-decreasing.
public struct FixedClock: LedgerClock {
    public let micros: Int64
    public init(micros: Int64) { self.micros = micros }
    public func nowMicroseconds() -> Int64 { micros }
}

/// `HAASLEDGER_CLOCK=<ISO-8601>` pins the ledger clock, so a scripted run (a golden test, a reproducible
/// demo) produces the same `recordedAt` values and therefore the same hash chain every time.
public enum ClockSetting {
    public static let variable = "HAASLEDGER_CLOCK"

    /// The clock `HAASLEDGER_CLOCK` in this process's environment asks for.
    public static func fromEnvironment() throws -> any LedgerClock {
        try resolve(environment: ProcessEnvironment.values)
    }

    public static func resolve(environment: [String: String]) throws -> any LedgerClock {
        guard let text = environment[variable], !text.isEmpty else { return SystemClock() }
        guard let micros = Timestamp.parse(text) else {
            throw LedgerError.invalidArgument(flag: variable, reason: "not an ISO-8601 time: \(text)")
        }
        return FixedClock(micros: micros)
    }
}
