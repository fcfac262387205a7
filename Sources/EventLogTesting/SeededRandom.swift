import Platform

/// Deterministic randomness for tests (Platform's SplitMix64): a failing run can be replayed from its seed.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var generator: SplitMix64

    public init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    public mutating func next() -> UInt64 { generator.next() }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { generator.unit() }
}
