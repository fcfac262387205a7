/// Writes JSON in the one spelling the hash chain depends on: no insignificant white space, object members
/// sorted by the bytes of their UTF-8 names, numbers in `JSONNumber`'s canonical text, strings with only
/// the escapes JSON requires (`"`, `\`, and control characters) and everything else as raw UTF-8.
public enum CanonicalJSON {
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    public static func string(_ value: JSONValue) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }

    /// Parses `bytes` and returns their canonical form; throws when they are not one valid JSON value. Bytes
    /// already canonical are returned as they are, without building a tree.
    public static func canonicalize(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> [UInt8] {
        let array = Array(bytes)
        if array.withUnsafeBufferPointer(CanonicalCheck.isCanonical) { return array }
        return encode(try JSONParser.parse(array))
    }

    /// True when `bytes` are one JSON value written exactly as this writer would write it.
    public static func isCanonical(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool { CanonicalCheck.isCanonical(bytes) }

    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number): out.append(contentsOf: number.canonicalText.utf8)
        case .string(let text): writeString(text, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            // Members usually arrive sorted (they were read from canonical JSON or written in order): check first.
            // Otherwise their places are sorted, not the members, which would retain and release each move.
            let order =
                isSorted(members)
                ? Array(members.indices) : members.indices.sorted { precedes(members[$0].key, members[$1].key) }
            for (offset, index) in order.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                writeString(members[index].key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(members[index].value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Byte order of UTF-8 names, as the canonical form sorts them: over the names' own bytes where they are
    /// contiguous (native strings; a short one is lent from the stack), else through the UTF-8 views.
    private static func precedes(_ first: String, _ second: String) -> Bool {
        let contiguous: Bool?? = first.utf8.withContiguousStorageIfAvailable { a in
            second.utf8.withContiguousStorageIfAvailable { b -> Bool in
                for index in 0..<min(a.count, b.count) where a[index] != b[index] { return a[index] < b[index] }
                return a.count < b.count
            }
        }
        return (contiguous ?? nil) ?? first.utf8.lexicographicallyPrecedes(second.utf8)
    }

    private static func isSorted(_ members: [(key: String, value: JSONValue)]) -> Bool {
        guard members.count > 1 else { return true }
        for index in 1..<members.count where !precedes(members[index - 1].key, members[index].key) { return false }
        return true
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    public static func writeString(_ text: String, into out: inout [UInt8]) {
        var text = text
        text.withUTF8 { writeString(utf8: $0, into: &out) }
    }

    /// The string escaper, over UTF-8 bytes: runs that need no escape are copied whole.
    public static func writeString(utf8: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out.append(contentsOf: utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0..<0x20:
                out.append(contentsOf: [
                    0x5C, UInt8(ascii: "u"), 0x30, 0x30, hexDigits[Int(byte >> 4)],
                    hexDigits[Int(byte & 0xF)],
                ])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
