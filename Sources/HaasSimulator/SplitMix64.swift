import Foundation

/// Deterministic randomness (Vigna's SplitMix64): the simulator must serve the same bytes for the same seed
/// on every platform.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    init(_ parts: UInt64...) {
        var mixed: UInt64 = 0x243F_6A88_85A3_08D3
        for part in parts {
            var generator = SplitMix64(seed: mixed ^ part)
            mixed = generator.next()
        }
        state = mixed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// A UUID-shaped identifier.
    mutating func uuid() -> String {
        let hex = String(format: "%016llx%016llx", next(), next())
        let chars = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(chars[$0]) }.joined(separator: "-")
    }
}
