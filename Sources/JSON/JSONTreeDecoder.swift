/// Decodes `Decodable` types from a parsed `JSONValue`, so small wire types keep `Codable` while every body
/// is scanned once, by `JSONScanner`, and numbers stay exact.
///
/// A `JSONValue` member decodes as the subtree itself (numbers as their canonical text, members in source
/// order), which `JSONDecoder` cannot give: it turns every number into a `Double` and objects into unordered
/// dictionaries, so a fetched value and the same value read from a file would canonicalise differently.
public enum JSONTreeDecoder {
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try T(from: TreeDecoder(value: value, codingPath: []))
    }
}

extension JSONValue: Decodable {
    /// Only `JSONTreeDecoder` can give a value exactly; any other decoder is refused rather than rounded.
    public init(from decoder: any Decoder) throws {
        guard let tree = decoder as? TreeDecoder else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "JSONValue decodes only with JSONTreeDecoder"))
        }
        self = tree.value
    }
}

struct TreeDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch([String: JSONValue].self) }
        var lookup: [String: JSONValue] = [:]
        for member in members { lookup[member.key] = member.value }
        return KeyedDecodingContainer(KeyedTree<Key>(members: lookup, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch([JSONValue].self) }
        return UnkeyedTree(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleTree(decoder: self) }

    func mismatch(_ type: Any.Type) -> DecodingError {
        .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "expected \(type), found \(value.kindName)"))
    }

    /// A scalar of `type`, converted from the exact number text or the string.
    func scalar<T: Decodable>(_ type: T.Type) throws -> T {
        func number<N>(_ make: (String) -> N?) throws -> N {
            guard case .number(let n) = value, let result = make(n.canonicalText) else { throw mismatch(type) }
            return result
        }
        switch type {
        case is Bool.Type:
            guard case .bool(let flag) = value else { throw mismatch(type) }
            return flag as! T
        case is String.Type:
            guard case .string(let text) = value else { throw mismatch(type) }
            return text as! T
        case is Double.Type: return try number { Double($0) } as! T
        case is Float.Type: return try number { Float($0) } as! T
        case is Int.Type: return try number { Int($0) } as! T
        case is Int64.Type: return try number { Int64($0) } as! T
        case is Int32.Type: return try number { Int32($0) } as! T
        case is UInt64.Type: return try number { UInt64($0) } as! T
        case is UInt.Type: return try number { UInt($0) } as! T
        case is UInt32.Type: return try number { UInt32($0) } as! T
        case is UInt16.Type: return try number { UInt16($0) } as! T
        case is UInt8.Type: return try number { UInt8($0) } as! T
        case is Int16.Type: return try number { Int16($0) } as! T
        case is Int8.Type: return try number { Int8($0) } as! T
        case is JSONValue.Type: return value as! T
        default: return try T(from: self)
        }
    }
}

private struct SingleTree: SingleValueDecodingContainer {
    let decoder: TreeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }
    func decodeNil() -> Bool { decoder.value == .null }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.scalar(type) }
}

private struct KeyedTree<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    let codingPath: [any CodingKey]
    var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    func child(_ key: Key) throws -> TreeDecoder {
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing member"))
        }
        return TreeDecoder(value: value, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool { try child(key).value == .null }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try child(key).scalar(type) }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let value = members[key.stringValue], value != .null else { return nil }
        return try TreeDecoder(value: value, codingPath: codingPath + [key]).scalar(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    { try child(key).container(keyedBy: type) }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try child(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { TreeDecoder(value: .object([]), codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }
}

private struct UnkeyedTree: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private struct Index: CodingKey {
        let intValue: Int?
        var stringValue: String { "[\(intValue ?? 0)]" }
        init(_ index: Int) { intValue = index }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.intValue = intValue }
    }

    mutating func next() throws -> TreeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                JSONValue.self, .init(codingPath: codingPath, debugDescription: "no more elements"))
        }
        defer { currentIndex += 1 }
        return TreeDecoder(value: elements[currentIndex], codingPath: codingPath + [Index(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().scalar(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    { try next().container(keyedBy: type) }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}
