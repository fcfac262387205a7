/// Objects too costly to make for each use (compression contexts allocate and clear a megabyte or more), lent to
/// one caller at a time and kept for the next: at most `capacity` of them, so a burst of threads does not keep
/// its peak of contexts for the life of the process.
public final class IdlePool<Item: Sendable>: Sendable {
    @usableFromInline let idle = Locked<[Item]>([])
    @usableFromInline let capacity: Int
    @usableFromInline let make: @Sendable () -> Item

    public init(capacity: Int, make: @escaping @Sendable () -> Item) {
        self.capacity = capacity
        self.make = make
    }

    /// `body` with an item no other caller holds until it returns. Inlinable, so each pool is specialized where it
    /// is used rather than looking up generic metadata on every call (a tenth of a record's decoding).
    @inlinable
    public func withItem<R>(_ body: (Item) throws -> R) rethrows -> R {
        let item = idle.withLock { $0.popLast() } ?? make()
        defer { idle.withLock { if $0.count < capacity { $0.append(item) } } }
        return try body(item)
    }
}
