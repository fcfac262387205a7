@preconcurrency import Dispatch
import Platform

#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT and SIGTERM turned into handlers on a queue, the one place the process's signal dispositions change.
enum SignalSources {
    /// The sources must live as long as the process. Appended only under `lock`, never read.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    private static let lock = Locked(())

    /// From now on each SIGINT or SIGTERM runs `handler` (with the signal's number) instead of ending the process.
    static func install(_ handler: @escaping @Sendable (Int32) -> Void) {
        lock.withLock { _ in
            for number in [SIGINT, SIGTERM] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { handler(number) }
                source.resume()
                sources.append(source)
            }
        }
    }
}
