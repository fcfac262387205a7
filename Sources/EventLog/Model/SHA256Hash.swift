import Crypto

/// A SHA-256 digest: the key of a blob, and each link of the hash chain.
///
/// Held inline as four words rather than an array, so hashing, comparing and decoding events allocates nothing.
public struct SHA256Hash: Hashable, Sendable, CustomStringConvertible {
    private let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    public static let zero = SHA256Hash(w0: 0, w1: 0, w2: 0, w3: 0)

    private init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    /// Reads 32 bytes in digest order.
    init(_ buffer: UnsafeRawBufferPointer) {
        precondition(buffer.count >= 32, "a SHA-256 digest is 32 bytes")
        w0 = UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        w1 = UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        w2 = UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        w3 = UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// Parses 64 hexadecimal digits.
    public init?(hex: String) {
        guard let decoded = HexCoding.decode(hex), decoded.count == 32 else { return nil }
        self = decoded.withUnsafeBytes { SHA256Hash($0) }
    }

    /// The 32 bytes in digest order.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian), body)
    }

    /// The digest of `bytes`.
    public static func of(_ bytes: [UInt8]) -> SHA256Hash {
        bytes.withUnsafeBytes { of($0) }
    }

    static func of(_ buffer: UnsafeRawBufferPointer) -> SHA256Hash {
        var hasher = SHA256()
        hasher.update(bufferPointer: buffer)
        return hasher.finalize().withUnsafeBytes { SHA256Hash($0) }
    }

    /// `SHA-256(previous ‖ envelope)`: one link of the chain.
    static func chain(previous: SHA256Hash, envelope: UnsafeRawBufferPointer) -> SHA256Hash {
        var hasher = SHA256()
        previous.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: envelope)
        return hasher.finalize().withUnsafeBytes { SHA256Hash($0) }
    }

    public var hex: String { HexCoding.encode(bytes) }
    public var description: String { hex }
}
