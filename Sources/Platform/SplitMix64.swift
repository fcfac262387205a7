import Foundation

/// Deterministic randomness (Vigna's SplitMix64): the simulator must serve the same bytes for the same seed on
/// every platform, a sweep's sampler must ask the same trials when it is resumed, and a failing test must
/// replay from its seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public init(_ parts: UInt64...) {
        var mixed: UInt64 = 0x243F_6A88_85A3_08D3
        for part in parts {
            var generator = SplitMix64(seed: mixed ^ part)
            mixed = generator.next()
        }
        state = mixed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// A UUID-shaped identifier.
    public mutating func uuid() -> String {
        let digits = hexDigits(next()) + hexDigits(next())
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (offset, digit) in digits.enumerated() {
            if offset == 8 || offset == 12 || offset == 16 || offset == 20 { out.append(UInt8(ascii: "-")) }
            out.append(digit)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// 32 lowercase hexadecimal digits of two draws (what `%016llx%016llx` prints, without Foundation's
    /// formatter, which cost the simulator more than the data it serves).
    public mutating func hex32() -> String { String(decoding: hexDigits(next()) + hexDigits(next()), as: UTF8.self) }

    private func hexDigits(_ value: UInt64) -> [UInt8] {
        let alphabet = Array("0123456789abcdef".utf8)
        return (0..<16).map { alphabet[Int((value >> (60 - 4 * UInt64($0))) & 0xF)] }
    }
}
