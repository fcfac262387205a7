#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one validating JSON scanner: a pull reader over bytes that every decoder in the project stands on.
///
/// The tree parser (`JSONParser`) and the typed decoders that read only the members they need (the runtime
/// decoder) walk the same grammar here, so RFC 8259 is checked in one place: every value passed over, read or
/// skipped, must be well-formed; strings must be valid UTF-8 with paired surrogates; nesting stops at 512.
/// The bytes must outlive the scanner (use it inside the closure that lends them).
public struct JSONScanner {
    public let bytes: UnsafeBufferPointer<UInt8>
    public internal(set) var index = 0
    var depth = 0

    public static let maxDepth = 512

    public init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    public var atEnd: Bool { index >= bytes.count }

    public func error(_ reason: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? index, reason: reason)
    }

    @inline(__always)
    public mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// Where the run of bytes a string passes over unexamined ends: the offset of the first quote, backslash,
    /// control character or byte outside ASCII at or after `start`, or the end. Eight bytes at a time (ids and
    /// names are most of a runtime's strings), then byte by byte.
    @inline(__always)
    func plainRun(from start: Int) -> Int {
        var offset = start
        let end = bytes.count
        if let base = UnsafeRawPointer(bytes.baseAddress) {
            let ones: UInt64 = 0x0101_0101_0101_0101
            while offset + 8 <= end {
                let word = UInt64(littleEndian: (base + offset).loadUnaligned(as: UInt64.self))
                let quote = word ^ (ones &* 0x22)
                let backslash = word ^ (ones &* 0x5C)
                // A byte's top bit is set when it is zero after the xor (a quote or a backslash), below 0x20, or
                // at least 0x80. A borrow can only mark bytes above a marked one, so the lowest mark is exact.
                let marks =
                    ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash | (word &- ones &* 0x20) | word)
                    & (ones &* 0x80)
                if marks != 0 { return offset + marks.trailingZeroBitCount / 8 }
                offset += 8
            }
        }
        while offset < end {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { return offset }
            offset += 1
        }
        return end
    }

    /// The next significant byte, white space skipped; nil at the end.
    @inline(__always)
    public mutating func peek() -> UInt8? {
        skipWhitespace()
        return index < bytes.count ? bytes[index] : nil
    }

    /// Checks that only white space remains.
    public mutating func expectEnd() throws(JSONParseError) {
        skipWhitespace()
        if index < bytes.count { throw error("unexpected content after the JSON value") }
    }

    // MARK: Containers

    /// Reads an object, calling `member` with each name; `member` must consume the value (read or skip it).
    public mutating func object(
        _ member: (_ name: String, _ scanner: inout JSONScanner) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        try objectMembers { name, scanner throws(JSONParseError) in try member(name.string, &scanner) }
    }

    /// Reads an object, lending each member name as bytes rather than a `String`: typed decoders that look
    /// for a few names among many skip the allocation. A name holding escapes (or any byte outside ASCII) is
    /// decoded and checked first, so the bytes are always the name's valid UTF-8.
    public mutating func objectMembers(
        _ member: (_ name: JSONName, _ scanner: inout JSONScanner) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        try enter(UInt8(ascii: "{"), "an object")
        if peek() == UInt8(ascii: "}") { return leave() }
        while true {
            guard peek() == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
            let start = index + 1
            let end = plainRun(from: start)
            let name: JSONName
            if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
                index = end + 1
                name = JSONName(bytes: UnsafeBufferPointer(rebasing: bytes[start..<end]), decoded: nil)
            } else {
                name = JSONName(bytes: UnsafeBufferPointer(start: nil, count: 0), decoded: try string())
            }
            guard peek() == UInt8(ascii: ":") else { throw error("expected ':' after member name") }
            index += 1
            try member(name, &self)
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): return leave()
            case nil: throw error("unexpected end of input inside an object")
            default: throw error("expected ',' or '}' in an object")
            }
        }
    }

    /// Reads an array, calling `element` for each element, which it must consume.
    public mutating func array(_ element: (_ scanner: inout JSONScanner) throws(JSONParseError) -> Void)
        throws(JSONParseError)
    {
        try enter(UInt8(ascii: "["), "an array")
        if peek() == UInt8(ascii: "]") { return leave() }
        while true {
            try element(&self)
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): return leave()
            case nil: throw error("unexpected end of input inside an array")
            default: throw error("expected ',' or ']' in an array")
            }
        }
    }

    mutating func enter(_ opening: UInt8, _ what: String) throws(JSONParseError) {
        guard peek() == opening else { throw error("expected \(what), found \(foundName)") }
        depth += 1
        if depth > JSONScanner.maxDepth { throw error("nesting deeper than \(JSONScanner.maxDepth)") }
        index += 1
    }

    mutating func leave() {
        index += 1
        depth -= 1
    }

    /// What the next value is, for error messages ("expected a string, found an array").
    public var foundName: String {
        var copy = self
        switch copy.peek() {
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "["): return "an array"
        case UInt8(ascii: "\""): return "a string"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a boolean"
        case UInt8(ascii: "n"): return "null"
        case UInt8(ascii: "-"), .some(UInt8(ascii: "0")...UInt8(ascii: "9")): return "a number"
        case nil: return "the end of input"
        default: return "an unexpected character"
        }
    }

    // MARK: Scalars

    public mutating func literal(_ word: StaticString) throws(JSONParseError) {
        skipWhitespace()
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw error("invalid literal") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw error("invalid literal")
        }
        index += count
    }

    /// True (and consumed) when the next value is `null`.
    public mutating func null() throws(JSONParseError) -> Bool {
        guard peek() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    public mutating func bool() throws(JSONParseError) -> Bool {
        switch peek() {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        default: throw error("expected a boolean, found \(foundName)")
        }
    }

    /// A string value, escapes decoded.
    public mutating func string() throws(JSONParseError) -> String {
        guard peek() == UInt8(ascii: "\"") else { throw error("expected a string, found \(foundName)") }
        index += 1
        let start = index
        index = plainRun(from: start)
        // Bytes outside ASCII are kept as they are and checked with the rest below.
        while index < bytes.count, bytes[index] >= 0x80 { index = plainRun(from: index + 1) }
        if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
            guard let text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            else { throw error("string is not valid UTF-8", at: start) }
            index += 1
            return text
        }
        var scratch = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while true {
            guard index < bytes.count else { throw error("unterminated string") }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: scratch, as: UTF8.self) else {
                    throw error("string is not valid UTF-8", at: start)
                }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                try appendEscape(to: &scratch)
            case 0..<0x20:
                throw error("control character in string must be escaped")
            default:
                scratch.append(byte)
                index += 1
            }
        }
    }

    private mutating func appendEscape(to scratch: inout [UInt8]) throws(JSONParseError) {
        guard index < bytes.count else { throw error("unterminated escape") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): scratch.append(0x22)
        case UInt8(ascii: "\\"): scratch.append(0x5C)
        case UInt8(ascii: "/"): scratch.append(0x2F)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"),
                    bytes[index + 1] == UInt8(ascii: "u")
                else { throw error("unpaired surrogate in \\u escape") }
                index += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate in \\u escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw error("unpaired surrogate in \\u escape")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
            scratch.append(contentsOf: String(Character(unicode)).utf8)
        default:
            throw error("invalid escape '\\\(Character(Unicode.Scalar(byte)))'")
        }
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard bytes.count - index >= 4 else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    /// The value, or nil when it is `null`.
    public mutating func optional<T>(_ read: (inout JSONScanner) throws(JSONParseError) -> T) throws(JSONParseError)
        -> T?
    {
        if try null() { return nil }
        return try read(&self)
    }
}

@available(*, unavailable)
extension JSONScanner: Sendable {}
