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
        guard index < bytes.count, (0x30...0x39).contains(bytes[index]) else {
            throw error("expected a number, found \(foundName)", at: start)
        }
        if bytes[index] == 0x30 {
            index += 1
            if index < bytes.count, (0x30...0x39).contains(bytes[index]) {
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

    @discardableResult
    mutating func skipDigits() -> Int {
        let start = index
        while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
        return index - start
    }

    /// A number as a finite `Double`.
    public mutating func double() throws(JSONParseError) -> Double {
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
        let start = index
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

    /// A byte that may follow a number in valid JSON (white space or structure): strtod stops there. After
    /// anything else (`0x1f`, `1e5q`) it might read on, so such text takes the slow path and fails later.
    static func endsNumber(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D: true
        default: false
        }
    }

    /// Powers of ten that are exact doubles.
    private static let exactPowersOfTen: [Double] = (0...22).map { exponent in
        (0..<exponent).reduce(1.0) { value, _ in value * 10 }
    }

    /// A number whose digits make an integer w ≤ 2⁵³ and whose value is w × 10^q with |q| ≤ 22 (most decimals
    /// in a runtime: prices, amounts, fees), without strtod: w and 10^|q| are exact doubles, so the one
    /// multiplication or division rounds correctly, to the bits strtod gives (Clinger's fast path). Nil
    /// for any other number, which strtod reads.
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
                significand = significand &* 10 &+ UInt64(byte &- 0x30)
                // Past 2⁵³ the significand is no longer exact (and 10 more digits could overflow).
                guard significand <= 1 << 53 else { return nil }
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
        guard exponent >= -22, exponent <= 22 else { return nil }
        let magnitude =
            exponent < 0
            ? Double(significand) / Self.exactPowersOfTen[-exponent]
            : Double(significand) * Self.exactPowersOfTen[exponent]
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
