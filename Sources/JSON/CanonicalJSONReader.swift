#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a few members of stored canonical JSON where it lies, without building a `JSONValue` tree.
///
/// A read-model rebuild looks at millions of payloads and needs a handful of members from each; building every
/// payload as a tree of dictionaries and strings cost more than writing the rows. The bytes must outlive the
/// reader (use it inside the closure that lends them). Input is expected to be canonical (no white space), as
/// every stored payload is; anything else is reported as a `JSONParseError`, never read past its end.
public struct CanonicalJSONReader {
    public let bytes: UnsafeRawBufferPointer

    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The whole input as one value.
    public var root: Range<Int> { 0..<bytes.count }

    /// Calls `body` with each member of the object occupying `object`: the member name as stored (without its
    /// quotes, escapes left as they are) and the byte range of its value.
    public func forEachMember(
        of object: Range<Int>, _ body: (_ name: UnsafeRawBufferPointer, _ value: Range<Int>) throws -> Void
    ) throws {
        guard object.count >= 2, bytes[object.lowerBound] == UInt8(ascii: "{"),
            bytes[object.upperBound - 1] == UInt8(ascii: "}")
        else { throw JSONParseError(offset: object.lowerBound, reason: "expected an object") }
        var index = object.lowerBound + 1
        let end = object.upperBound - 1
        while index < end {
            guard bytes[index] == UInt8(ascii: "\"") else {
                throw JSONParseError(offset: index, reason: "expected a member name")
            }
            let nameEnd = try endOfString(at: index)
            guard nameEnd < end, bytes[nameEnd] == UInt8(ascii: ":") else {
                throw JSONParseError(offset: nameEnd, reason: "expected ':' after a member name")
            }
            let valueStart = nameEnd + 1
            let valueEnd = try endOfValue(at: valueStart, limit: end)
            try body(UnsafeRawBufferPointer(rebasing: bytes[(index + 1)..<(nameEnd - 1)]), valueStart..<valueEnd)
            index = valueEnd
            if index < end {
                guard bytes[index] == UInt8(ascii: ",") else {
                    throw JSONParseError(offset: index, reason: "expected ',' between members")
                }
                index += 1
            }
        }
    }

    /// The value of member `name` of the object occupying `object`, if it has one.
    public func member(_ name: StaticString, of object: Range<Int>) throws -> Range<Int>? {
        let wanted = UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        var found: Range<Int>?
        try forEachMember(of: object) { member, value in
            if found == nil, member.elementsEqual(wanted) { found = value }
        }
        return found
    }

    /// The bytes of `range`.
    public func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[range]) }

    /// The value as a string when it is one (escapes decoded).
    public func string(_ value: Range<Int>) throws -> String? {
        guard value.count >= 2, bytes[value.lowerBound] == UInt8(ascii: "\"") else { return nil }
        return try CanonicalJSONReader.unescaped(slice((value.lowerBound + 1)..<(value.upperBound - 1)))
    }

    /// The text of a string stored between quotes (a value's inside, or a member name as `forEachMember` lends
    /// it), escapes decoded.
    public static func unescaped(_ inner: UnsafeRawBufferPointer) throws -> String {
        if !inner.contains(UInt8(ascii: "\\")) { return String(decoding: inner, as: UTF8.self) }
        return try JSONParser.parse([UInt8(ascii: "\"")] + Array(inner) + [UInt8(ascii: "\"")]).stringValue ?? ""
    }

    /// The value as a number when it is one, as `JSONNumber.doubleValue` would give it.
    public func double(_ value: Range<Int>) -> Double? {
        guard let first = value.first.map({ bytes[$0] }),
            first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39),
            slice(value).allSatisfy(CanonicalJSONReader.isNumberByte)
        else { return nil }
        // strtod stops at the first byte that cannot continue a number; inside an object or array that byte
        // exists (a ',' '}' or ']'), so it never reads past the buffer. A bare top-level number goes the slow way.
        guard value.upperBound < bytes.count, let start = bytes.baseAddress?.advanced(by: value.lowerBound) else {
            return Double(String(decoding: slice(value), as: UTF8.self))
        }
        var end: UnsafeMutablePointer<CChar>?
        let number = strtod(start.assumingMemoryBound(to: CChar.self), &end)
        guard let end, UnsafeRawPointer(end) == UnsafeRawPointer(start).advanced(by: value.count) else { return nil }
        return number
    }

    /// Digits, sign, point and exponent: what strtod is allowed to see (it would also read hex and "inf").
    private static func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
            true
        default: false
        }
    }

    /// True when the value is an object.
    public func isObject(_ value: Range<Int>) -> Bool {
        value.first.map { bytes[$0] == UInt8(ascii: "{") } ?? false
    }

    /// The index just past the string starting with the quote at `start`.
    private func endOfString(at start: Int) throws -> Int {
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""): return index + 1
            case UInt8(ascii: "\\"): index += 2
            default: index += 1
            }
        }
        throw JSONParseError(offset: start, reason: "unterminated string")
    }

    /// The index just past the value starting at `start`, which must end before `limit`.
    private func endOfValue(at start: Int, limit: Int) throws -> Int {
        guard start < limit else { throw JSONParseError(offset: start, reason: "expected a value") }
        switch bytes[start] {
        case UInt8(ascii: "\""):
            let end = try endOfString(at: start)
            guard end <= limit else { throw JSONParseError(offset: start, reason: "unterminated string") }
            return end
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var index = start
            while index < limit {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index = try endOfString(at: index)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default: break
                }
                index += 1
            }
            throw JSONParseError(offset: start, reason: "unterminated object or array")
        default:
            // A number or a literal (true, false, null): letters, digits, sign and point.
            var index = start
            while index < limit {
                switch bytes[index] {
                case 0x30...0x39, 0x61...0x7A, 0x41...0x5A, UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
                    index += 1
                default:
                    guard index > start else { throw JSONParseError(offset: start, reason: "expected a value") }
                    return index
                }
            }
            guard index > start else { throw JSONParseError(offset: start, reason: "expected a value") }
            return index
        }
    }
}

@available(*, unavailable)
extension CanonicalJSONReader: Sendable {}
