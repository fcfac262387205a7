import Dispatch
import Platform

/// `map` over an array on all cores, keeping the order.
enum ParallelMap {
    static func map<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
        var results = [R?](repeating: nil, count: items.count)
        results.withUnsafeMutableBufferPointer { buffer in
            // Each iteration writes only its own slot.
            let slots = DisjointWrites(buffer)
            DispatchQueue.concurrentPerform(iterations: items.count) { index in
                slots.buffer[index] = transform(items[index])
            }
        }
        return results.map { $0! }
    }
}
