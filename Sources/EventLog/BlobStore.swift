/// The content-addressed blob store: SHA-256 of the original bytes → one encoding byte + the stored bytes.
/// Storing the same bytes again is a no-op, which is what makes a re-fetched payload cost nothing.
///
/// Encodings: 0 is the bytes themselves; 1 is a u32 (little-endian) dictionary version, 0 for none, then one
/// zstd frame that names its content size. Blobs that do not shrink stay identity. 2 says where in a pack
/// the stored value (of encoding 0 or 1) lies; see `BlobPacker`.
enum BlobStore {
    static let identityEncoding: UInt8 = 0
    static let zstdEncoding: UInt8 = 1
    static let packedEncoding: UInt8 = 2
    /// Encoding 2 ‖ u64 pack ‖ u32 offset ‖ u32 length, little-endian.
    static let locatorSize = 17
    static let zstdHeaderSize = 5
    /// Below this a frame's own header outweighs what it saves.
    static let smallestCompressed = 64

    /// What `stage` writes for `bytes`: compressed with `dictionary` when that makes it smaller.
    static func encode(
        _ bytes: [UInt8], dictionary: TrainedDictionary?, compressor: borrowing ZstdFrames.Compressor
    ) -> [UInt8] {
        var stored: [UInt8] = []
        if bytes.count >= smallestCompressed {
            stored.reserveCapacity(zstdHeaderSize + bytes.count / 4)
            stored.append(zstdEncoding)
            withUnsafeBytes(of: (dictionary?.version ?? 0).littleEndian) { stored.append(contentsOf: $0) }
            let compressed = bytes.withUnsafeBytes {
                compressor.compress($0, dictionary: dictionary, limit: bytes.count - zstdHeaderSize, into: &stored)
            }
            if compressed { return stored }
            stored.removeAll(keepingCapacity: true)
        }
        stored.reserveCapacity(bytes.count + 1)
        stored.append(identityEncoding)
        stored.append(contentsOf: bytes)
        return stored
    }

    /// The stored value a blob's entry refers to: the entry itself, or the slice of a pack it locates.
    static func resolve(_ entry: UnsafeRawBufferPointer, txn: borrowing LMDBTransaction, dbs: LogDatabases) throws
        -> Result<UnsafeRawBufferPointer, BlobProblem>
    {
        guard entry.first == packedEncoding else { return .success(entry) }
        guard entry.count == locatorSize else { return .failure(.badLocator) }
        let pack = Keys.uint64(entry, at: 1, bigEndian: false)
        let offset = Int(UInt32(littleEndian: entry.loadUnaligned(fromByteOffset: 9, as: UInt32.self)))
        let length = Int(UInt32(littleEndian: entry.loadUnaligned(fromByteOffset: 13, as: UInt32.self)))
        guard let packs = dbs.blobPacks, let bytes = try Keys.withPosition(pack, { try txn.get(packs, $0) }) else {
            return .failure(.missingPack(pack))
        }
        guard length > 0, offset + length <= bytes.count else { return .failure(.outsidePack(pack)) }
        let stored = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
        guard stored.first != packedEncoding else { return .failure(.badLocator) }
        return .success(stored)
    }

    /// The size of the original bytes, from the stored value alone (no decompression), for `log stats`.
    static func contentSize(of stored: UnsafeRawBufferPointer) -> Int? {
        guard let encoding = stored.first else { return nil }
        switch encoding {
        case identityEncoding: return stored.count - 1
        case zstdEncoding where stored.count > zstdHeaderSize:
            return ZstdFrames.contentSize(UnsafeRawBufferPointer(rebasing: stored[zstdHeaderSize...]))
        default: return nil
        }
    }

    /// The original bytes of a stored value, or why they cannot be had. `dictionary` is looked up by the
    /// caller for the version the value names.
    static func content(of stored: UnsafeRawBufferPointer, dictionary: (UInt32) throws -> TrainedDictionary?) rethrows
        -> Result<[UInt8], BlobProblem>
    {
        guard let encoding = stored.first else { return .failure(.unknownEncoding(nil)) }
        switch encoding {
        case identityEncoding:
            return .success(Array(UnsafeRawBufferPointer(rebasing: stored[1...])))
        case zstdEncoding where stored.count > zstdHeaderSize:
            let version = UInt32(littleEndian: stored.loadUnaligned(fromByteOffset: 1, as: UInt32.self))
            var found: TrainedDictionary?
            if version != 0 {
                guard let known = try dictionary(version) else { return .failure(.missingDictionary(version)) }
                found = known
            }
            let frame = UnsafeRawBufferPointer(rebasing: stored[zstdHeaderSize...])
            guard let bytes = ZstdFrames.decompress(frame, dictionary: found) else { return .failure(.damagedFrame) }
            return .success(bytes)
        default:
            return .failure(.unknownEncoding(encoding))
        }
    }
}

/// Why a stored blob's bytes cannot be had, worded for `log verify` and read errors.
enum BlobProblem: Error, Sendable {
    case unknownEncoding(UInt8?)
    case missingDictionary(UInt32)
    case damagedFrame
    case badLocator
    case missingPack(UInt64)
    case outsidePack(UInt64)

    func describe(_ hash: SHA256Hash) -> String {
        switch self {
        case .unknownEncoding(let byte):
            "blob \(hash.hex) has an unknown encoding\(byte.map { " (\($0))" } ?? " (empty value)")"
        case .missingDictionary(let version):
            "blob \(hash.hex) needs compression dictionary \(version), which the log does not hold"
        case .damagedFrame: "blob \(hash.hex) does not decompress (its stored bytes are damaged)"
        case .badLocator: "blob \(hash.hex) has a damaged pack locator"
        case .missingPack(let pack): "blob \(hash.hex) lies in pack \(pack), which the log does not hold"
        case .outsidePack(let pack): "blob \(hash.hex) is located past the end of pack \(pack)"
        }
    }
}
