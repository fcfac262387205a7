/// The named LMDB databases of a log (see FORMAT.md for their keys and values).
struct LogDatabases: Sendable {
    let events: LMDBDatabase
    let ids: LMDBDatabase
    let streams: LMDBDatabase
    let types: LMDBDatabase
    let typeIndex: LMDBDatabase
    let blobs: LMDBDatabase
    /// Nil only in a read-only log of a format before 3, which has no packed blobs.
    let blobPacks: LMDBDatabase?
    let meta: LMDBDatabase

    init(opening env: LMDBEnvironment) throws {
        func open(_ name: String, sortedDuplicates: Bool = false) throws -> LMDBDatabase {
            guard let db = try env.openDatabase(name, create: true, sortedDuplicates: sortedDuplicates) else {
                throw EventLogError.notALedger(path: env.path, reason: "database '\(name)' could not be created")
            }
            return db
        }
        events = try open("events")
        ids = try open("ids")
        streams = try open("streams")
        types = try open("types")
        typeIndex = try open("type_index", sortedDuplicates: true)
        blobs = try open("blobs")
        blobPacks = try env.openDatabase("blob_packs", create: true)
        meta = try open("meta")
    }
}

/// Key helpers: positions and counters are big-endian in keys so LMDB's byte order is numeric order.
enum Keys {
    static func withPosition<R>(_ position: UInt64, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(of: position.bigEndian, body)
    }

    /// Type index entry: key = type number (4 bytes), value = position (8 bytes), both big-endian, so the
    /// duplicates of one type sort by position and appends use `MDB_APPENDDUP`.
    static func withTypeEntry<R>(
        _ type: UInt32, _ position: UInt64, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R
    ) rethrows -> R {
        try withUnsafeBytes(of: type.bigEndian) { key in
            try withUnsafeBytes(of: position.bigEndian) { try body(key, $0) }
        }
    }

    static func withID<R>(_ id: EventID, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(of: (id.high.bigEndian, id.low.bigEndian), body)
    }

    static func withUTF8<R>(_ text: String, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUTF8Bytes(text) { try body(UnsafeRawBufferPointer($0)) }
    }

    /// A string's UTF-8 bytes without copying the string (native Swift strings are contiguous).
    static func withUTF8Bytes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if let result = try text.utf8.withContiguousStorageIfAvailable(body) { return result }
        return try Array(text.utf8).withUnsafeBufferPointer(body)
    }

    static func uint64(_ buffer: UnsafeRawBufferPointer, at offset: Int = 0, bigEndian: Bool) -> UInt64 {
        let raw = buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        return bigEndian ? UInt64(bigEndian: raw) : UInt64(littleEndian: raw)
    }
}
