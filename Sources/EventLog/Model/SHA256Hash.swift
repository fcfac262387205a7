import Crypto

/// A SHA-256 digest: the key of a blob, and each link of the hash chain.
public struct SHA256Hash: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public static let zero = SHA256Hash(validatedBytes: [UInt8](repeating: 0, count: 32))

    init(validatedBytes: [UInt8]) { bytes = validatedBytes }

    init(_ buffer: UnsafeRawBufferPointer) { bytes = Array(buffer) }

    /// Parses 64 hexadecimal digits.
    public init?(hex: String) {
        guard let decoded = HexCoding.decode(hex), decoded.count == 32 else { return nil }
        bytes = decoded
    }

    /// The digest of `data`.
    public static func of(_ bytes: [UInt8]) -> SHA256Hash {
        bytes.withUnsafeBytes { of($0) }
    }

    static func of(_ buffer: UnsafeRawBufferPointer) -> SHA256Hash {
        var hasher = SHA256()
        hasher.update(bufferPointer: buffer)
        return SHA256Hash(validatedBytes: Array(hasher.finalize()))
    }

    /// `SHA-256(previous ‖ envelope)`: one link of the chain.
    static func chain(previous: SHA256Hash, envelope: UnsafeRawBufferPointer) -> SHA256Hash {
        var hasher = SHA256()
        previous.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: envelope)
        return SHA256Hash(validatedBytes: Array(hasher.finalize()))
    }

    public var hex: String { HexCoding.encode(bytes) }
    public var description: String { hex }
}
