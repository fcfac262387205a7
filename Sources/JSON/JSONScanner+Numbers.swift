#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension JSONScanner {
    /// A number's bytes, checked against the grammar; `integral` when it has no fraction or exponent.
    public mutating func number() throws(JSONParseError) -> (range: Range<Int>, integral: Bool) {
        skipWhitespace()
        let start = index
        var integral = true
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, JSONScanner.isDigit(bytes[index]) else {
            throw error("expected a number, found \(foundName)", at: start)
        }
        if bytes[index] == 0x30 {
            index += 1
            if index < bytes.count, JSONScanner.isDigit(bytes[index]) {
                throw error("leading zeros are not allowed")
            }
        } else {
            skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard skipDigits() > 0 else { throw error("expected digits after '.'") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            integral = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard skipDigits() > 0 else { throw error("expected digits in the exponent") }
        }
        return (start..<index, integral)
    }

    /// One comparison (the range's `contains` was not inlined across the scanner's calls).
    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    @discardableResult
    mutating func skipDigits() -> Int {
        let start = index
        while index < bytes.count, JSONScanner.isDigit(bytes[index]) { index += 1 }
        return index - start
    }

    /// A number as a finite `Double`.
    public mutating func double() throws(JSONParseError) -> Double {
        skipWhitespace()
        if let plain = plainNumber() { return plain.double }
        let (range, integral) = try number()
        if integral, range.count <= 15, let small = smallInteger(range) {
            // "-0" is negative zero, as strtod reads it.
            return small == 0 && bytes[range.lowerBound] == UInt8(ascii: "-") ? -0.0 : Double(small)
        }
        if let exact = exactDecimal(range) { return exact }
        let value: Double
        if range.upperBound < bytes.count, JSONScanner.endsNumber(bytes[range.upperBound]), let base = bytes.baseAddress
        {
            // The grammar was checked, and a byte that cannot continue a number follows it inside the buffer,
            // so strtod stops exactly at the number's end without reading past the buffer.
            value = base.advanced(by: range.lowerBound).withMemoryRebound(to: CChar.self, capacity: range.count) {
                strtod($0, nil)
            }
        } else {
            value = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)) ?? .infinity
        }
        guard value.isFinite else { throw error("number is out of range", at: range.lowerBound) }
        return value
    }

    /// A number that must be a whole number in `Int64`'s range. Spellings such as `3.0` or `1e3` are read for
    /// their value, as `JSONDecoder` reads them (tools that write every number as a float are common); a
    /// fraction is refused.
    public mutating func int64() throws(JSONParseError) -> Int64 {
        skipWhitespace()
        let start = index
        if let plain = plainNumber() {
            if plain.exponent == 0, plain.significand <= UInt64(Int64.max) {
                return plain.negative ? -Int64(plain.significand) : Int64(plain.significand)
            }
            index = start
        }
        let (range, integral) = try number()
        guard integral else {
            index = start
            let value = try double()
            guard value == value.rounded(), let exact = Int64(exactly: value) else {
                throw error("expected an integer", at: range.lowerBound)
            }
            return exact
        }
        if range.count <= 18, let small = smallInteger(range) { return small }
        guard let value = Int64(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
        else { throw error("expected an integer in 64 bits", at: range.lowerBound) }
        return value
    }

    /// Most numbers in a runtime, read in the one pass that checks them: `-?(0|[1-9][0-9]*)(.[0-9]+)?` whose
    /// digits fit 64 bits, with at most 22 after the point, followed by a byte that ends a number (or the
    /// end). Moves the cursor past it; nil, with the cursor where it was, for any other text, which the checked
    /// path (`number()`, then `exactDecimal` or strtod) reads or refuses.
    @inline(__always)
    mutating func plainNumber() -> (significand: UInt64, exponent: Int, negative: Bool, double: Double)? {
        var cursor = index
        let end = bytes.count
        let negative = cursor < end && bytes[cursor] == UInt8(ascii: "-")
        if negative { cursor += 1 }
        guard cursor < end, JSONScanner.isDigit(bytes[cursor]) else { return nil }
        var significand: UInt64 = 0
        var exponent = 0
        if bytes[cursor] == 0x30 {
            cursor += 1
        } else {
            while cursor < end, JSONScanner.isDigit(bytes[cursor]) {
                guard significand <= Self.significandLimit else { return nil }
                significand = significand &* 10 &+ UInt64(bytes[cursor] &- 0x30)
                cursor += 1
            }
        }
        if cursor < end, bytes[cursor] == UInt8(ascii: ".") {
            cursor += 1
            let fraction = cursor
            while cursor < end, JSONScanner.isDigit(bytes[cursor]) {
                guard significand <= Self.significandLimit else { return nil }
                significand = significand &* 10 &+ UInt64(bytes[cursor] &- 0x30)
                cursor += 1
            }
            exponent = fraction - cursor
            guard exponent < 0, exponent >= -22 else { return nil }
        }
        // A leading zero followed by digits, an exponent, or anything else: the checked path says what it is.
        guard cursor == end || JSONScanner.endsNumber(bytes[cursor]) else { return nil }
        guard let magnitude = ExactDecimal.value(significand, tenToThe: exponent) else { return nil }
        index = cursor
        return (significand, exponent, negative, negative ? -magnitude : magnitude)
    }

    /// The largest significand one more digit can be added to without overflowing 64 bits, (2⁶⁴ − 1 − 9) / 10
    /// (a literal: a computed global would be checked for initialisation on every digit).
    static var significandLimit: UInt64 { 1_844_674_407_370_955_160 }

    /// A byte that may follow a number in valid JSON (white space or structure): strtod stops there. After
    /// anything else (`0x1f`, `1e5q`) it might read on, so such text takes the slow path and fails later.
    static func endsNumber(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D: true
        default: false
        }
    }

    /// A number whose digits make an integer w of at most 64 bits and whose value is w × 10^q with |q| ≤ 22
    /// (prices, amounts, fees, written with an exponent), without strtod: `ExactDecimal` gives the bits
    /// strtod gives. Nil for any other number, which strtod reads.
    func exactDecimal(_ range: Range<Int>) -> Double? {
        var index = range.lowerBound
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        var significand: UInt64 = 0
        var exponent = 0
        var fraction = false
        while index < range.upperBound {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                fraction = true
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                guard significand <= Self.significandLimit else { return nil }
                significand = significand &* 10 &+ UInt64(byte &- 0x30)
                if fraction { exponent -= 1 }
            } else {
                break
            }
            index += 1
        }
        if index < range.upperBound {
            // An exponent: e or E, a sign, at most three digits (more is far outside the fast path).
            index += 1
            var sign = 1
            if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                if bytes[index] == UInt8(ascii: "-") { sign = -1 }
                index += 1
            }
            guard range.upperBound - index <= 3 else { return nil }
            var written = 0
            while index < range.upperBound {
                written = written * 10 + Int(bytes[index] &- 0x30)
                index += 1
            }
            exponent += sign * written
        }
        guard let magnitude = ExactDecimal.value(significand, tenToThe: exponent) else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// An integer of at most 18 digits (so it cannot overflow), read without allocating.
    func smallInteger(_ range: Range<Int>) -> Int64? {
        var value: Int64 = 0
        var index = range.lowerBound
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard range.upperBound - index <= 18 else { return nil }
        while index < range.upperBound {
            value = value &* 10 &+ Int64(bytes[index] &- 0x30)
            index += 1
        }
        return negative ? -value : value
    }
}
