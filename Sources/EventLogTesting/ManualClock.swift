import EventLog
import Platform

/// A ledger clock that moves only when a test moves it, so no test depends on the wall clock.
public final class ManualClock: LedgerClock, Sendable {
    private let micros: Locked<Int64>

    public init(micros: Int64 = 1_767_225_600_000_000) {  // 2026-01-01T00:00:00Z
        self.micros = Locked(micros)
    }

    public func nowMicroseconds() -> Int64 { micros.withLock { $0 } }

    public func set(_ value: Int64) { micros.withLock { $0 = value } }

    public func advance(by delta: Int64) { micros.withLock { $0 += delta } }
}
