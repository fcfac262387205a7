import Platform

#if canImport(Glibc)
    import Glibc
#endif

/// A request to stop a recording command between two units of work (a request, a file, a batch), so what it
/// did is committed, its run is closed as interrupted, and a later run completes the rest. The process-wide
/// one is raised by SIGINT or SIGTERM once `stopOnSignals()` is called; a service can be given its own.
public final class StopRequest: Sendable {
    private let state = Locked<Int32?>(nil)

    public init() {}

    /// The one SIGINT and SIGTERM raise.
    public static let process = StopRequest()

    public var isRequested: Bool { state.withLock { $0 != nil } }

    /// Raises the request (`signal` names what asked, for the message).
    public func request(signal: Int32 = SIGINT) { state.withLock { $0 = $0 ?? signal } }

    /// Throws `LedgerError.interrupted` describing `progress` when a stop was requested.
    public func check(_ progress: @autoclosure () -> String) throws {
        if isRequested { throw LedgerError.interrupted(progress()) }
    }

    private static let installed = Locked(false)

    /// From now on, the first SIGINT or SIGTERM raises `process` and says on stderr what happens next; a second
    /// one ends the process at once (exit 130; the log is intact, and the next run completes the work).
    public static func stopOnSignals() {
        installed.withLock { installed in
            guard !installed else { return }
            installed = true
            SignalSources.install { number in
                if process.isRequested {
                    StandardError.write("\ninterrupted again: stopping now; the next run completes what is missing")
                    exit(130)
                }
                process.request(signal: number)
                StandardError.write(
                    "\n\(number == SIGTERM ? "SIGTERM" : "Ctrl-C"): stopping after the work in flight and recording what was done (again to stop at once)"
                )
            }
        }
    }
}
