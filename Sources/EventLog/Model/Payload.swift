import JSON

/// An event payload in canonical JSON (see FORMAT.md). Only canonical bytes are ever stored, so the hash
/// chain, exports and re-imports agree byte for byte.
public struct Payload: Sendable, Equatable, CustomStringConvertible {
    public let canonicalBytes: [UInt8]

    public init(_ value: JSONValue) { canonicalBytes = CanonicalJSON.encode(value) }

    /// Parses any JSON text and keeps its canonical form.
    public init(json bytes: some Collection<UInt8>) throws(JSONParseError) {
        canonicalBytes = try CanonicalJSON.canonicalize(bytes)
    }

    public init(json text: String) throws(JSONParseError) { try self.init(json: Array(text.utf8)) }

    /// Bytes read back from the log, canonical when they were written.
    init(storedBytes: [UInt8]) { canonicalBytes = storedBytes }

    /// Bytes this package made canonical moments ago and kept in a private file (an append's spool): taken
    /// as they are, without checking again.
    package init(canonicalBytesFromSpool bytes: [UInt8]) { canonicalBytes = bytes }

    public var json: JSONValue {
        get throws(JSONParseError) { try JSONParser.parseCanonical(canonicalBytes) }
    }

    public var description: String { String(decoding: canonicalBytes, as: UTF8.self) }
}
