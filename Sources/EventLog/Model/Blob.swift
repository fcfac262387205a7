/// Bytes kept verbatim in the content-addressed blob store, such as a raw HTTP body or a cache file.
/// An event lists the hashes of the blobs it refers to; the same bytes are stored once however often
/// they are attached.
public struct Blob: Sendable, Equatable {
    public let hash: SHA256Hash
    public let bytes: [UInt8]
    /// The value the blob store would keep for these bytes, when `EventLog.encodedAhead` compressed them off
    /// the writer's path, and the dictionary version it used (0 for none).
    var encoded: (dictionaryVersion: UInt32, stored: [UInt8])?

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        hash = bytes.withUnsafeBytes { SHA256Hash.of($0) }
    }

    public init(_ text: String) { self.init(Array(text.utf8)) }

    /// The same bytes, however they were encoded.
    public static func == (first: Blob, second: Blob) -> Bool {
        first.hash == second.hash && first.bytes == second.bytes
    }
}
