import Platform
#if canImport(Glibc)
    import Glibc
#endif

/// A 128-bit event identifier in UUID text form. Repeating an id makes an append a no-op.
///
/// Generated ids are UUIDv7 (RFC 9562) with a 12-bit counter in `rand_a`, so ids made by one process are
/// strictly increasing; the log's id index then takes them as cheap appends instead of random B-tree inserts.
public struct EventID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses the canonical 8-4-4-4-12 hexadecimal form (either case).
    public init?(_ text: String) {
        let hex = text.utf8.filter { $0 != UInt8(ascii: "-") }
        guard text.utf8.count == 36, hex.count == 32 else { return nil }
        for (offset, byte) in text.utf8.enumerated() where [8, 13, 18, 23].contains(offset) {
            guard byte == UInt8(ascii: "-") else { return nil }
        }
        var words: [UInt64] = [0, 0]
        for (index, byte) in hex.enumerated() {
            guard let nibble = HexCoding.nibble(byte) else { return nil }
            words[index / 16] = words[index / 16] << 4 | UInt64(nibble)
        }
        high = words[0]
        low = words[1]
    }

    public var description: String {
        let hex = Array(HexCoding.encode(bigEndianBytes).utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (offset, digit) in hex.enumerated() {
            if [8, 12, 16, 20].contains(offset) { out.append(UInt8(ascii: "-")) }
            out.append(digit)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The 16 bytes in network order, as stored in the log.
    public var bigEndianBytes: [UInt8] {
        withUnsafeBytes(of: high.bigEndian) { Array($0) } + withUnsafeBytes(of: low.bigEndian) { Array($0) }
    }

    init(bigEndianBytes bytes: UnsafeRawBufferPointer) {
        high = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        low = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
    }

    public static func < (lhs: EventID, rhs: EventID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    /// A new, process-wide increasing UUIDv7.
    public static func generate() -> EventID { generator.withLock { $0.next() } }

    private static let generator = Locked(UUIDv7Generator())
}

/// RFC 9562 method 1: a dedicated counter in the 12 `rand_a` bits; when it overflows within one
/// millisecond the timestamp is advanced by one, so order is kept even if the clock stalls or steps back.
private struct UUIDv7Generator {
    private var lastMillis: UInt64 = 0
    private var counter: UInt64 = 0
    /// The 62 random bits need uniqueness, not secrecy: a generator seeded once from the system keeps
    /// `generate()` free of a getrandom(2) call per id.
    private var random: Xoshiro256 = {
        var system = SystemRandomNumberGenerator()
        return Xoshiro256(seed: (system.next(), system.next(), system.next(), system.next()))
    }()

    mutating func next() -> EventID {
        var now = UInt64(max(0, wallClockMillis()))
        if now <= lastMillis {
            counter += 1
            if counter > 0xFFF {
                counter = 0
                lastMillis += 1
            }
            now = lastMillis
        } else {
            counter = UInt64.random(in: 0..<0x400, using: &random)  // leaves room to count up
            lastMillis = now
        }
        let high = (now & 0xFFFF_FFFF_FFFF) << 16 | 0x7000 | counter
        let low = (random.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return EventID(high: high, low: low)
    }

    private func wallClockMillis() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// xoshiro256** (Blackman and Vigna), for the random bits of generated ids.
private struct Xoshiro256: RandomNumberGenerator {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    init(seed: (UInt64, UInt64, UInt64, UInt64)) {
        (s0, s1, s2, s3) = seed
        if (s0 | s1 | s2 | s3) == 0 { s0 = 0x9E37_79B9_7F4A_7C15 }
    }

    mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }
}
