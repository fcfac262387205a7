extension JSONScanner {
    /// Passes over one value of any kind, validating it, without building anything: member names and strings
    /// are checked where they lie (escapes, UTF-8), not decoded.
    public mutating func skipValue() throws(JSONParseError) {
        switch peek() {
        case UInt8(ascii: "{"):
            try enter(UInt8(ascii: "{"), "an object")
            if peek() == UInt8(ascii: "}") { return leave() }
            while true {
                guard peek() == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
                try skipString()
                guard peek() == UInt8(ascii: ":") else { throw error("expected ':' after member name") }
                index += 1
                try skipValue()
                switch peek() {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"): return leave()
                case nil: throw error("unexpected end of input inside an object")
                default: throw error("expected ',' or '}' in an object")
                }
            }
        case UInt8(ascii: "["):
            try enter(UInt8(ascii: "["), "an array")
            if peek() == UInt8(ascii: "]") { return leave() }
            while true {
                try skipValue()
                switch peek() {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"): return leave()
                case nil: throw error("unexpected end of input inside an array")
                default: throw error("expected ',' or ']' in an array")
                }
            }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), .some(UInt8(ascii: "0")...UInt8(ascii: "9")): _ = try number()
        case nil: throw error("unexpected end of input")
        case let byte?: throw error("unexpected character '\(Character(Unicode.Scalar(byte)))'")
        }
    }

    /// Passes over a string at the cursor, checking it as `string()` would, without decoding it.
    mutating func skipString() throws(JSONParseError) {
        index += 1
        let start = index
        var ascii = true
        while true {
            index = plainRun(from: index)
            guard index < bytes.count else { break }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                if !ascii,
                    String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self) == nil
                {
                    throw error("string is not valid UTF-8", at: start)
                }
                index += 1
                return
            }
            if byte == UInt8(ascii: "\\") {
                // Escapes (and surrogate pairs) are rare: decode this one string to check it.
                index = start - 1
                _ = try string()
                return
            }
            if byte < 0x20 { throw error("control character in string must be escaped") }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        throw error("unterminated string")
    }
}
