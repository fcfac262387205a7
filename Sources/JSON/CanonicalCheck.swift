/// Recognises JSON that is already in canonical form, so it can be stored as it is instead of being parsed
/// into a tree and written again (most payloads a tool appends were written canonically in the first place).
///
/// Canonical means what `CanonicalJSON` writes: no white space, object members strictly ascending by the
/// bytes of their names (so no duplicates), numbers in `JSONNumber`'s spelling, strings without escapes other
/// than those JSON requires. The check is conservative: a string holding any escape is reported as not
/// canonical and takes the tree path, which gives the same bytes either way.
enum CanonicalCheck {
    static func isCanonical(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var walker = Walker(bytes: bytes)
        return walker.value(depth: 0) && walker.index == bytes.count
    }

    /// Whether a plain decimal (`-?d+.d+`, no exponent) is spelled as `JSONNumber` would spell it, decided
    /// without converting: with at most 15 significant digits it round-trips, and no shorter spelling names the
    /// same double, so the shortest spelling is this one, provided no fraction digit trails as 0 and the value
    /// is in the range printed without an exponent. Nil when the rule does not decide.
    static func plainDecimal(_ text: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard let point = text.firstIndex(of: UInt8(ascii: ".")),
            !text.contains(UInt8(ascii: "e")), !text.contains(UInt8(ascii: "E"))
        else { return nil }
        if text[text.count - 1] == 0x30 { return false }
        let whole = UnsafeBufferPointer(rebasing: text[(text[0] == UInt8(ascii: "-") ? 1 : 0)..<point])
        let fraction = UnsafeBufferPointer(rebasing: text[(point + 1)...])
        if whole.count == 1 && whole[0] == 0x30 {
            let zeros = fraction.prefix { $0 == 0x30 }.count
            guard zeros <= 3 else { return nil }
            return fraction.count - zeros <= 15 ? true : nil
        }
        return whole.count + fraction.count <= 15 ? true : nil
    }

    private struct Walker {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func value(depth: Int) -> Bool {
            guard depth <= JSONScanner.maxDepth, let byte = current else { return false }
            switch byte {
            // As the scanner: at most `maxDepth` containers, one inside another.
            case UInt8(ascii: "{"): return depth < JSONScanner.maxDepth && object(depth: depth + 1)
            case UInt8(ascii: "["): return depth < JSONScanner.maxDepth && array(depth: depth + 1)
            case UInt8(ascii: "\""): return string() != nil
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            default: return number()
            }
        }

        mutating func object(depth: Int) -> Bool {
            index += 1
            if current == UInt8(ascii: "}") {
                index += 1
                return true
            }
            var previous: Range<Int>?
            while true {
                guard current == UInt8(ascii: "\""), let name = string() else { return false }
                if let previous, !ascending(previous, name) { return false }
                previous = name
                guard current == UInt8(ascii: ":") else { return false }
                index += 1
                guard value(depth: depth) else { return false }
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"):
                    index += 1
                    return true
                default: return false
                }
            }
        }

        mutating func array(depth: Int) -> Bool {
            index += 1
            if current == UInt8(ascii: "]") {
                index += 1
                return true
            }
            while true {
                guard value(depth: depth) else { return false }
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"):
                    index += 1
                    return true
                default: return false
                }
            }
        }

        /// The inside of an escape-free string of valid UTF-8; nil otherwise.
        mutating func string() -> Range<Int>? {
            index += 1
            let start = index
            var ascii = true
            while let byte = current, byte != UInt8(ascii: "\"") {
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                if byte >= 0x80 { ascii = false }
                index += 1
            }
            guard current == UInt8(ascii: "\"") else { return nil }
            let range = start..<index
            index += 1
            if !ascii, String(validating: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) == nil {
                return nil
            }
            return range
        }

        /// Strictly ascending by bytes, as `CanonicalJSON` sorts member names.
        func ascending(_ first: Range<Int>, _ second: Range<Int>) -> Bool {
            UnsafeBufferPointer(rebasing: bytes[first]).lexicographicallyPrecedes(
                UnsafeBufferPointer(rebasing: bytes[second]))
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard bytes.count - index >= count else { return false }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
            index += count
            return true
        }

        mutating func number() -> Bool {
            let start = index
            var integral = true
            if current == UInt8(ascii: "-") { index += 1 }
            guard let first = current, JSONScanner.isDigit(first) else { return false }
            index += 1
            if first == 0x30 {
                if let next = current, JSONScanner.isDigit(next) { return false }
            } else {
                while let byte = current, JSONScanner.isDigit(byte) { index += 1 }
            }
            if current == UInt8(ascii: ".") {
                integral = false
                index += 1
                guard let byte = current, JSONScanner.isDigit(byte) else { return false }
                while let byte = current, JSONScanner.isDigit(byte) { index += 1 }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                integral = false
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard let byte = current, JSONScanner.isDigit(byte) else { return false }
                while let byte = current, JSONScanner.isDigit(byte) { index += 1 }
            }
            let text = UnsafeBufferPointer(rebasing: bytes[start..<index])
            if integral { return !(text.count == 2 && text[0] == UInt8(ascii: "-") && text[1] == 0x30) }
            if let plain = plainDecimal(text) { return plain }
            let spelled = String(decoding: text, as: UTF8.self)
            guard let double = Double(spelled), let number = JSONNumber(double) else { return false }
            return number.canonicalText == spelled
        }
    }
}
