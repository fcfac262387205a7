#if canImport(Glibc)
    import Glibc
#endif

/// A plain POSIX thread running one closure, joined explicitly.
///
/// The chain hasher runs on one of these rather than on Dispatch or the Swift task pool: the writer waits
/// for it, and a width-limited shared pool whose threads are all blocked on the writer lock could leave it
/// unscheduled forever.
final class HelperThread: @unchecked Sendable {
    private var thread: pthread_t
    private var joined = false

    /// Starts `body` on a new thread; returns nil when the system refuses to create one (callers then run
    /// the work inline).
    init?(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Body(body))
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { context in
                let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
                body.run()
                return nil
            }, box.toOpaque())
        if rc != 0 {
            box.release()
            return nil
        }
        self.thread = thread
    }

    /// Waits for the closure to return. Safe to call more than once.
    func join() {
        guard !joined else { return }
        joined = true
        pthread_join(thread, nil)
    }

    deinit { join() }

    private final class Body: @unchecked Sendable {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}
