import EventLog
import Foundation

/// A ledger clock that moves only when a test moves it, so no test depends on the wall clock.
public final class ManualClock: LedgerClock, @unchecked Sendable {
    private let lock = NSLock()
    private var micros: Int64

    public init(micros: Int64 = 1_767_225_600_000_000) {  // 2026-01-01T00:00:00Z
        self.micros = micros
    }

    public func nowMicroseconds() -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        return micros
    }

    public func set(_ value: Int64) {
        lock.lock()
        micros = value
        lock.unlock()
    }

    public func advance(by delta: Int64) {
        lock.lock()
        micros += delta
        lock.unlock()
    }
}
