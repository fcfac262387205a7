/// A JSON document as parsed, with numbers kept exactly.
///
/// Objects keep their members in source order so error messages can point at what the user wrote;
/// the canonical encoding sorts them. Numbers keep their canonical text, so a 20-digit id is never
/// rounded through a `Double`.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The member named `key` of an object; nil for a missing member or a non-object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// A short name of the kind, for error messages ("expected a string, found an array").
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var numberValue: JSONNumber? {
        if case .number(let n) = self { return n }
        return nil
    }

    public static func number(_ value: Int) -> JSONValue { .number(JSONNumber(Int64(value))) }
    public static func number(_ value: Int64) -> JSONValue { .number(JSONNumber(value)) }
    public static func number(_ value: UInt64) -> JSONValue { .number(JSONNumber(value)) }
}

/// A JSON number held as its canonical text (see FORMAT.md, "Canonical JSON").
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The canonical spelling: integers in plain decimal, other numbers in Swift's shortest round-trip form.
    public let canonicalText: String

    public init(_ value: Int64) { canonicalText = String(value) }
    public init(_ value: UInt64) { canonicalText = String(value) }

    /// A finite double. Integral values that fit an `Int64` print as integers (so `2.0` and `2` agree);
    /// everything else prints in Swift's shortest round-trip form with a minimal exponent (`1e-7`).
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        canonicalText = JSONNumber.canonicalize(value)
    }

    init(canonicalText: String) { self.canonicalText = canonicalText }

    public var description: String { canonicalText }
    public var doubleValue: Double { Double(canonicalText) ?? .nan }
    public var int64Value: Int64? { Int64(canonicalText) }
    public var uint64Value: UInt64? { UInt64(canonicalText) }

    static func canonicalize(_ value: Double) -> String {
        if let exact = Int64(exactly: value) { return String(exact) }
        var text = value.description  // shortest round-trip, e.g. "1e-07", "1.5e+20"
        // Most values have no exponent: one look over the bytes (a search through the UTF-8 view cost more).
        guard text.withUTF8({ $0.contains(UInt8(ascii: "e")) }) else { return text }
        if let e = text.utf8.firstIndex(of: UInt8(ascii: "e")) {
            let mantissa = text[..<e]
            var exponent = text[text.index(after: e)...]
            var sign = ""
            if let first = exponent.first, first == "-" || first == "+" {
                sign = first == "-" ? "-" : "+"
                exponent = exponent.dropFirst()
            }
            let digits = exponent.drop { $0 == "0" }
            text = "\(mantissa)e\(sign)\(digits.isEmpty ? "0" : String(digits))"
        }
        return text
    }
}
