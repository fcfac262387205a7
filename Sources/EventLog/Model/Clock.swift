#if canImport(Glibc)
    import Glibc
#endif

/// The source of `recordedAt`. The log forces it non-decreasing, so a clock stepping back cannot
/// break "as of time T" lookups. Tests inject a manual clock instead of reading the wall clock.
public protocol LedgerClock: Sendable {
    /// Microseconds since the Unix epoch.
    func nowMicroseconds() -> Int64
}

/// The machine's real-time clock.
public struct SystemClock: LedgerClock {
    public init() {}

    public func nowMicroseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
    }
}
