/// Bytes kept verbatim in the content-addressed blob store, such as a raw HTTP body or a cache file.
/// An event lists the hashes of the blobs it refers to; the same bytes are stored once however often
/// they are attached.
public struct Blob: Sendable, Equatable {
    public let hash: SHA256Hash
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        hash = bytes.withUnsafeBytes { SHA256Hash.of($0) }
    }

    public init(_ text: String) { self.init(Array(text.utf8)) }
}
