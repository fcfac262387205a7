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
}

@available(*, unavailable)
extension JSONName: Sendable {}
