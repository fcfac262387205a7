/// A strict RFC 8259 parser into `JSONValue` trees: one value, optional surrounding white space, valid
/// UTF-8, no duplicate member names (a duplicate would make the canonical form ambiguous), nesting at most
/// 512 deep. It is the tree layer over `JSONScanner`, which checks the grammar.
public enum JSONParser {
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        try parse(Array(bytes), canonical: false)
    }

    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// Parses bytes this library wrote in canonical form (a stored payload): member names are already unique
    /// and numbers already canonical, so neither is checked again. Syntax is still validated.
    package static func parseCanonical(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try parse(bytes, canonical: true)
    }

    private static func parse(_ array: [UInt8], canonical: Bool) throws(JSONParseError) -> JSONValue {
        try array.withUnsafeBufferPointer { buffer throws(JSONParseError) in
            var scanner = JSONScanner(buffer)
            let value = try value(&scanner, canonical: canonical)
            try scanner.expectEnd()
            return value
        }
    }

    /// One value read from `scanner` as a tree (for a member whose shape is open, inside a typed decoder).
    public static func value(_ scanner: inout JSONScanner, canonical: Bool = false) throws(JSONParseError)
        -> JSONValue
    {
        switch scanner.peek() {
        case UInt8(ascii: "{"):
            var members: [(key: String, value: JSONValue)] = []
            var seen = Set<String>()
            try scanner.object { name, scanner throws(JSONParseError) in
                if !canonical, !seen.insert(name).inserted {
                    throw scanner.error("duplicate member name \"\(name)\"")
                }
                members.append((name, try value(&scanner, canonical: canonical)))
            }
            return .object(members)
        case UInt8(ascii: "["):
            var elements: [JSONValue] = []
            try scanner.array { scanner throws(JSONParseError) in
                elements.append(try value(&scanner, canonical: canonical))
            }
            return .array(elements)
        case UInt8(ascii: "\""): return .string(try scanner.string())
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool(try scanner.bool())
        case UInt8(ascii: "n"):
            try scanner.literal("null")
            return .null
        case UInt8(ascii: "-"), .some(UInt8(ascii: "0")...UInt8(ascii: "9")):
            let (range, integral) = try scanner.number()
            let text = String(decoding: UnsafeBufferPointer(rebasing: scanner.bytes[range]), as: UTF8.self)
            if integral || canonical { return .number(JSONNumber(canonicalText: text == "-0" ? "0" : text)) }
            guard let double = Double(text), double.isFinite, let number = JSONNumber(double) else {
                throw scanner.error("number \(text) is out of range", at: range.lowerBound)
            }
            return .number(number)
        case nil: throw scanner.error("unexpected end of input")
        case let byte?: throw scanner.error("unexpected character '\(Character(Unicode.Scalar(byte)))'")
        }
    }
}
