#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A member name as `objectMembers` lends it: valid only inside the closure it is passed to.
public struct JSONName {
    let bytes: UnsafeBufferPointer<UInt8>
    let decoded: String?

    /// True when the name is exactly `text`.
    public static func == (name: JSONName, text: String) -> Bool {
        if let decoded = name.decoded { return decoded == text }
        var copy = text
        return copy.withUTF8 { utf8 in
            guard utf8.count == name.bytes.count else { return false }
            return utf8.isEmpty || memcmp(utf8.baseAddress!, name.bytes.baseAddress!, utf8.count) == 0
        }
    }

    /// True when the name is exactly `literal`.
    public static func == (name: JSONName, literal: StaticString) -> Bool {
        if let decoded = name.decoded { return decoded.utf8.elementsEqual(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)) }
        guard name.bytes.count == literal.utf8CodeUnitCount else { return false }
        return name.bytes.isEmpty || memcmp(name.bytes.baseAddress!, literal.utf8Start, name.bytes.count) == 0
    }

    /// The name as a `String`.
    public var string: String { decoded ?? String(decoding: bytes, as: UTF8.self) }

    /// A name of at most 7 bytes packed into one integer (bytes, then the length in the top byte), so a decoder
    /// can find short member names among many with integer compares; nil for longer names.
    public var packed: UInt64? {
        if let decoded { return JSONName.pack(Array(decoded.utf8)) }
        return JSONName.pack(bytes)
    }

    /// `packed` of a literal name, for the table a decoder compares against.
    public static func packed(_ literal: StaticString) -> UInt64 {
        pack(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))!
    }

    private static func pack(_ bytes: some Collection<UInt8>) -> UInt64? {
        guard bytes.count <= 7 else { return nil }
        var value = UInt64(bytes.count) << 56
        for (offset, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(offset)) }
        return value
    }
}

@available(*, unavailable)
extension JSONName: Sendable {}
