import Dispatch

/// `map` over an array on all cores, keeping the order.
enum ParallelMap {
    static func map<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
        var results = [R?](repeating: nil, count: items.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = Slots(buffer: buffer)
            DispatchQueue.concurrentPerform(iterations: items.count) { index in
                slots.buffer[index] = transform(items[index])
            }
        }
        return results.map { $0! }
    }

    /// Each iteration writes only its own slot, so sharing the buffer across threads is safe.
    private struct Slots<R>: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<R?>
    }
}
