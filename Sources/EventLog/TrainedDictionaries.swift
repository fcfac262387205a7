import Platform

/// The zstd dictionaries a log trains on its own data, for one kind of stored bytes (response bodies, or
/// event records): kept in `meta` under `prefix` ‖ u32 version (big-endian), versions 1, 2, … consecutive,
/// never rewritten, so whatever names a version stays readable. Until one exists, `untrainedKey` counts the
/// bytes stored without one, which says when to train.
///
/// The bookkeeping of both kinds lives here once; what is compressed and when to train is the codec's.
final class TrainedDictionaries: Sendable {
    let prefix: String
    let untrainedKey: String

    private struct State {
        var dictionaries: [UInt32: TrainedDictionary] = [:]
        var current: TrainedDictionary?
        var untrainedBytes: UInt64 = 0

        /// Newer dictionaries, in version order: the last becomes the one new data uses.
        mutating func load(_ found: [TrainedDictionary]) {
            for dictionary in found { dictionaries[dictionary.version] = dictionary }
            current = found.last ?? current
        }
    }

    private let state: Locked<State>

    init(prefix: String, untrainedKey: String, txn: borrowing LMDBTransaction, dbs: LogDatabases) throws {
        self.prefix = prefix
        self.untrainedKey = untrainedKey
        var state = State()
        state.load(try Self.dictionaries(prefix: prefix, after: 0, txn: txn, dbs: dbs))
        state.untrainedBytes = try Keys.withUTF8(untrainedKey) { key in
            try txn.get(dbs.meta, key).map { Keys.uint64($0, bigEndian: false) } ?? 0
        }
        self.state = Locked(state)
    }

    /// The dictionary new data is compressed with, if one has been trained.
    var current: TrainedDictionary? { state.withLock { $0.current } }

    /// What a batch starts from: the dictionary in use, the bytes stored without one, the newest version.
    var snapshot: (current: TrainedDictionary?, untrainedBytes: UInt64, newestVersion: UInt32) {
        state.withLock { ($0.current, $0.untrainedBytes, $0.dictionaries.keys.max() ?? 0) }
    }

    /// Thrown inside a batch's transaction (rolling it back) when another process committed a dictionary of the
    /// version this batch trained.
    struct TrainedElsewhere: Error {}

    /// Writes what a batch trained and the bytes it left untrained, in the batch's own transaction, so a crash
    /// keeps all or none. Throws `TrainedElsewhere` when the version is taken.
    func persist(trained: TrainedDictionary?, untrainedBytes: UInt64, txn: borrowing LMDBTransaction, dbs: LogDatabases)
        throws
    {
        if let trained {
            let stored = try withKey(trained.version) { key in
                try trained.bytes.withUnsafeBytes { try txn.put(dbs.meta, key, $0, flags: .noOverwrite) }
            }
            if !stored { throw TrainedElsewhere() }
        }
        if current == nil {
            try Keys.withUTF8(untrainedKey) { key in
                try withUnsafeBytes(of: untrainedBytes.littleEndian) { _ = try txn.put(dbs.meta, key, $0) }
            }
        }
    }

    /// After the batch committed: what it trained and counted becomes this log's.
    func adopt(trained: TrainedDictionary?, untrainedBytes: UInt64) {
        state.withLock { state in
            if let trained {
                state.dictionaries[trained.version] = trained
                state.current = trained
            }
            state.untrainedBytes = untrainedBytes
        }
    }

    /// Loads dictionaries other processes trained since this log was opened.
    func refresh(env: LMDBEnvironment, dbs: LogDatabases) throws {
        let known = state.withLock { $0.dictionaries.keys.max() ?? 0 }
        let found = try env.read { try Self.dictionaries(prefix: prefix, after: known, txn: $0, dbs: dbs) }
        state.withLock { $0.load(found) }
    }

    /// The dictionary of `version`, loading one another process trained when needed; nil when the log has none.
    func dictionary(_ version: UInt32, txn: borrowing LMDBTransaction, dbs: LogDatabases) throws -> TrainedDictionary? {
        if let known = state.withLock({ $0.dictionaries[version] }) { return known }
        guard let loaded = try Self.load(prefix: prefix, version: version, txn: txn, dbs: dbs) else { return nil }
        state.withLock { $0.dictionaries[version] = loaded }
        return loaded
    }

    /// How many dictionaries of this kind the log holds (counting any another process trained).
    func count(txn: borrowing LMDBTransaction, dbs: LogDatabases) throws -> Int {
        var count = 0
        while try withKey(UInt32(count + 1), { try txn.get(dbs.meta, $0) != nil }) { count += 1 }
        return count
    }

    private func withKey<R>(_ version: UInt32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Self.withKey(prefix: prefix, version, body)
    }

    private static func withKey<R>(prefix: String, _ version: UInt32, _ body: (UnsafeRawBufferPointer) throws -> R)
        rethrows -> R
    {
        var key = Array(prefix.utf8)
        withUnsafeBytes(of: version.bigEndian) { key.append(contentsOf: $0) }
        return try key.withUnsafeBytes(body)
    }

    private static func load(prefix: String, version: UInt32, txn: borrowing LMDBTransaction, dbs: LogDatabases)
        throws -> TrainedDictionary?
    {
        let bytes = try withKey(prefix: prefix, version) { key in try txn.get(dbs.meta, key).map { Array($0) } }
        return bytes.flatMap { TrainedDictionary(version: version, bytes: $0) }
    }

    /// The dictionaries stored after version `known`, in version order.
    private static func dictionaries(
        prefix: String, after known: UInt32, txn: borrowing LMDBTransaction, dbs: LogDatabases
    ) throws -> [TrainedDictionary] {
        var found: [TrainedDictionary] = []
        while let dictionary = try load(prefix: prefix, version: known + UInt32(found.count) + 1, txn: txn, dbs: dbs) {
            found.append(dictionary)
        }
        return found
    }
}
