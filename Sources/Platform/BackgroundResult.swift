import Dispatch

/// Work started on a background thread; `wait` blocks until its result is ready. Kept beside the lock box:
/// it is the other place a hand-checked `@unchecked Sendable` is allowed (the semaphore orders the accesses).
public final class BackgroundResult<R: Sendable>: @unchecked Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private var result: R?

    public init(_ work: @escaping @Sendable () -> R) {
        // The work (and what it captures, such as an open log) is released before `wait` returns: the
        // dispatched block outlives the signal, so it must not be what holds the closure.
        let box = Locked<(@Sendable () -> R)?>(work)
        DispatchQueue.global().async {
            do {
                let job = box.withLock { pending in
                    defer { pending = nil }
                    return pending!
                }
                self.result = job()
            }
            self.ready.signal()
        }
    }

    /// The result; the semaphore orders the worker's write before this read.
    public func wait() -> R {
        ready.wait()
        return result!
    }
}

/// A buffer shared by concurrent iterations that each write only their own part of it (a slot, a slice): the
/// one unchecked `Sendable` for that pattern, so its callers need none.
public struct DisjointWrites<Element>: @unchecked Sendable {
    public let buffer: UnsafeMutableBufferPointer<Element>
    public init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}
