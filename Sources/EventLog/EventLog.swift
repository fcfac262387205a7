import Platform

#if canImport(Glibc)
    import Glibc
#endif

/// The append-only, hash-chained event log: the ledger's only source of truth.
///
/// One instance per directory per process. Appends are serialised by a process-wide writer lock and go
/// in one LMDB write transaction per batch (group commit); readers never block writers.
public final class EventLog: Sendable {
    /// How to open a log.
    public struct Options: Sendable {
        /// Create the directory and an empty log when there is none.
        public var create: Bool
        /// The first memory-map size; it doubles whenever the log fills it.
        public var initialMapSize: Int
        /// Full fsync on every commit. Turn off only for throwaway data.
        public var durable: Bool
        public var clock: any LedgerClock
        /// Store records compressed once a record dictionary is trained. Off only for a baseline to compare with.
        public var compressRecords: Bool

        public init(
            create: Bool = true, initialMapSize: Int = 256 << 20, durable: Bool = true,
            clock: any LedgerClock = SystemClock(), compressRecords: Bool = true
        ) {
            self.create = create
            self.initialMapSize = initialMapSize
            self.durable = durable
            self.clock = clock
            self.compressRecords = compressRecords
        }
    }

    /// The log format this build writes and the newest it can read. 2: blobs may be zstd-compressed. 3: blobs
    /// may lie in packs, and records may be zstd-compressed. 4: records may be LZ4 blocks. An older log is stamped
    /// by the first batch appended to it.
    public static let formatVersion: UInt32 = 4

    public let directory: String
    let env: LMDBEnvironment
    let dbs: LogDatabases
    let blobCodec: BlobCodec
    let recordCodec: RecordCodec
    private let compressRecords: Bool
    /// The format stamped in the log; below `formatVersion` until this build's first batch.
    private let stampedFormat: Locked<UInt32>
    let clock: any LedgerClock
    /// Serialises appends in this process and carries the writer's cache between batches.
    private let writer = Locked(WriterCache())

    /// Reader slots of processes that died while reading, cleared when the log was opened.
    public var staleReadersCleared: Int { Int(env.staleReadersCleared) }

    public static func open(directory: String, options: Options = Options()) throws -> EventLog {
        try EventLog(directory: directory, options: options)
    }

    private init(directory: String, options: Options) throws {
        let dataFile = directory + "/data.mdb"
        let exists = access(dataFile, F_OK) == 0
        if !exists {
            if errno == EACCES {
                throw EventLogError.permissionDenied(
                    path: directory,
                    reason: "this user may not open the ledger's folders (\(FileSystem.ownerAndMode(directory)))")
            }
            guard options.create else { throw EventLogError.notFound(path: directory) }
            try FileSystem.makeDirectories(directory)
        }
        // A log this user may read but not write opens read-only: read commands work, appends are refused.
        var readOnly = false
        if exists {
            if access(dataFile, R_OK) != 0 {
                throw EventLogError.permissionDenied(
                    path: dataFile, reason: "this user may not read the log (\(FileSystem.ownerAndMode(dataFile)))")
            }
            // LMDB would take an empty file for a new log and answer as if nothing had been recorded.
            if FileSystem.fileSize(dataFile) == 0 {
                throw EventLogError.notALedger(
                    path: dataFile,
                    reason:
                        "it is empty (0 bytes): truncated or replaced; restore the ledger from a copy or an export (`log import`), or remove the folder if it never recorded anything"
                )
            }
            readOnly = access(directory, W_OK) != 0 || access(dataFile, W_OK) != 0
            if readOnly && options.create { throw EventLogError.readOnly(path: directory) }
        }
        let canonical = FileSystem.canonicalPath(directory)
        guard OpenLogs.claim(canonical) else { throw EventLogError.alreadyOpen(path: directory) }
        do {
            let env = try LMDBEnvironment(
                path: directory,
                options: LMDBOptions(
                    initialMapSize: options.initialMapSize, maxDatabases: 16, maxReaders: 512,
                    durable: options.durable, readOnly: readOnly))
            let format = try EventLog.checkFormat(env)
            self.env = env
            let dbs = try LogDatabases(opening: env)
            self.dbs = dbs
            self.blobCodec = try env.read { try BlobCodec(txn: $0, dbs: dbs) }
            self.recordCodec = try env.read { try RecordCodec(txn: $0, dbs: dbs) }
            self.stampedFormat = Locked(format)
        } catch let error as LMDBError where error.isNotLMDB {
            OpenLogs.release(canonical)
            throw EventLogError.notALedger(path: dataFile, reason: "it is not an LMDB file (damaged or overwritten)")
        } catch {
            OpenLogs.release(canonical)
            throw error
        }
        self.directory = directory
        self.clock = options.clock
        self.compressRecords = options.compressRecords
        self.canonicalDirectory = canonical
    }

    private let canonicalDirectory: String

    deinit {
        OpenLogs.release(canonicalDirectory)
    }

    /// Refuses newer formats and foreign LMDB environments before anything is written; stamps new logs.
    /// Returns the log's format.
    private static func checkFormat(_ env: LMDBEnvironment) throws -> UInt32 {
        if let meta = try env.openDatabase("meta", create: false) {
            let found = try env.read { try storedFormat(txn: $0, meta: meta) }
            guard let found else {
                throw EventLogError.notALedger(path: env.path, reason: "its meta record has no format version")
            }
            guard found <= formatVersion else {
                throw EventLogError.unsupportedFormat(path: env.path, found: found, supported: formatVersion)
            }
            return found
        }
        let existingDatabases = try env.openDatabase("events", create: false) != nil
        if existingDatabases {
            throw EventLogError.notALedger(path: env.path, reason: "it has an events database but no meta record")
        }
        guard let meta = try env.openDatabase("meta", create: true) else { return formatVersion }
        try env.write { try stampFormat(txn: $0, meta: meta) }
        return formatVersion
    }

    static func storedFormat(txn: borrowing LMDBTransaction, meta: LMDBDatabase) throws -> UInt32? {
        try Keys.withUTF8("format") { key in
            try txn.get(meta, key).map { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
        }
    }

    static func stampFormat(txn: borrowing LMDBTransaction, meta: LMDBDatabase) throws {
        try Keys.withUTF8("format") { key in
            try withUnsafeBytes(of: formatVersion.littleEndian) { _ = try txn.put(meta, key, $0) }
        }
    }

    // MARK: Appending

    /// Appends a batch atomically in one write transaction: every draft is recorded, or none is.
    ///
    /// - Returns: one outcome per draft, in order.
    /// - Throws: `EventLogError.invalidDraft` or `.versionConflict` (nothing written), or a storage error.
    @discardableResult
    public func append(_ drafts: [EventDraft]) throws -> [AppendOutcome] {
        try append(drafts[...])
    }

    /// `blob` compressed now, on the calling thread, as the blob store would keep it, so that a writer with
    /// other work on every core (an import's parsing workers) does not compress it under the writer lock.
    /// The bytes and hash are unchanged; an append that finds the log's dictionary changed since encodes
    /// them again.
    public func encodedAhead(_ blob: Blob) -> Blob { blobCodec.encodedAhead(blob) }

    /// Appends a slice of a larger array as one batch, without copying it.
    @discardableResult
    public func append(_ drafts: ArraySlice<EventDraft>) throws -> [AppendOutcome] {
        // Drafts are borrowed from the array's storage throughout: copying one retains every field.
        try drafts.withUnsafeBufferPointer { buffer in
            for index in buffer.indices {
                if let reason = DraftValidation.problem(with: buffer.baseAddress! + index) {
                    throw EventLogError.invalidDraft(index: index, reason: reason)
                }
            }
            if buffer.isEmpty { return [] }
            if env.readOnly { throw EventLogError.readOnly(path: directory) }
            var envelopeSizes: [Int] = []
            envelopeSizes.reserveCapacity(buffer.count)
            for index in buffer.indices { envelopeSizes.append(EnvelopeEncoder.size(of: buffer[index])) }
            let envelopeBytes = envelopeSizes.reduce(0, +)
            let batchBytes = UInt64(envelopeBytes + buffer.blobBytes)
            do {
                return try writer.withLock { cache in
                    // Taken out rather than copied: a copy-on-write of a large dictionary per batch would cost O(streams).
                    var carried = cache
                    cache = WriterCache()
                    // Compressed (and a dictionary trained, once) before the transaction, on every core for a large batch.
                    var encoding = try blobCodec.encode(buffer, env: env, dbs: dbs)
                    func recordEncoding() throws -> RecordCodec.BatchEncoding {
                        guard compressRecords else { return recordCodec.plain }
                        return try recordCodec.prepare(buffer, envelopeSizes: envelopeSizes, env: env, dbs: dbs)
                    }
                    var records = try recordEncoding()
                    var attempts = 0
                    func write(_ encoding: BlobCodec.BatchEncoding, _ records: RecordCodec.BatchEncoding) throws
                        -> ([AppendOutcome], WriterCache)
                    {
                        try env.write { txn in
                            attempts += 1
                            let id = txn.id
                            // Only our own previous commit keeps the cache valid; a retry after map growth starts clean
                            // because the first attempt's changes were rolled back.
                            if attempts > 1 || carried.transactionID.map({ $0 + 1 != id }) ?? true {
                                carried = WriterCache()
                            }
                            var batch = try AppendBatch(
                                txn: txn, dbs: dbs, now: clock.nowMicroseconds(), cache: carried)
                            carried = WriterCache()
                            try blobCodec.record(encoding, txn: txn, dbs: dbs)
                            try recordCodec.record(records, txn: txn, dbs: dbs)
                            if stampedFormat.withLock({ $0 }) < EventLog.formatVersion {
                                try EventLog.stampFormat(txn: txn, meta: dbs.meta)
                            }
                            let arena = RecordArena(drafts: buffer, envelopeSizes: envelopeSizes)
                            let previous = batch.previousHash
                            // Large batches encode and chain on a helper thread while this one stages the rest.
                            let sealer =
                                buffer.count >= RecordArena.concurrentThreshold
                                ? HelperThread { arena.sealAll(startingFrom: previous, dictionary: records.dictionary) }
                                : nil
                            defer {
                                arena.abandon()
                                sealer?.join()
                            }
                            var outcomes: [AppendOutcome] = []
                            outcomes.reserveCapacity(buffer.count)
                            for index in buffer.indices {
                                outcomes.append(
                                    try batch.stage(
                                        buffer.baseAddress! + index, index: index, storedBlobs: encoding.stored[index],
                                        arena: arena,
                                        txn: txn))
                                if sealer != nil && index % 64 == 63 {
                                    try batch.writeRecords(arena, outcomes: outcomes, txn: txn, waiting: false)
                                }
                            }
                            if sealer == nil { arena.sealAll(startingFrom: previous, dictionary: records.dictionary) }
                            try batch.writeRecords(arena, outcomes: outcomes, txn: txn, waiting: true)
                            return (outcomes, try batch.finish(txn: txn, transactionID: id))
                        }
                    }
                    let (outcomes, next): ([AppendOutcome], WriterCache)
                    do {
                        (outcomes, next) = try write(encoding, records)
                    } catch is TrainedDictionaries.TrainedElsewhere {
                        // Another process trained a dictionary first (rolled back): encode again with its.
                        try blobCodec.dictionaries.refresh(env: env, dbs: dbs)
                        try recordCodec.dictionaries.refresh(env: env, dbs: dbs)
                        encoding = try blobCodec.encode(buffer, env: env, dbs: dbs)
                        records = try recordEncoding()
                        (outcomes, next) = try write(encoding, records)
                    }
                    cache = next
                    blobCodec.adopt(encoding)
                    recordCodec.adopt(records)
                    stampedFormat.withLock { $0 = EventLog.formatVersion }
                    return outcomes
                }
            } catch let error as LMDBError where error.code == EIO || error.code == ENOSPC {
                // A full disk surfaces from the commit as EIO (or ENOSPC); the transaction was rolled back.
                guard DiskSpace.isFull(at: directory, needing: batchBytes) else { throw error }
                throw EventLogError.diskFull(
                    path: directory, freeBytes: DiskSpace.available(at: directory) ?? 0, batchBytes: batchBytes)
            }
        }
    }

    /// Appends one event; see `append(_:)`.
    @discardableResult
    public func append(_ draft: EventDraft) throws -> AppendOutcome {
        try append([draft])[0]
    }

    // MARK: Reading

    /// Runs `body` with a reader over one consistent snapshot of the log.
    public func read<R>(_ body: (borrowing LogReader) throws -> R) throws -> R {
        try env.read { txn in
            try body(
                LogReader(
                    txn: LMDBTransaction(handle: txn.handle), dbs: dbs, codec: blobCodec, records: recordCodec))
        }
    }

    /// The current map size in bytes.
    public var mapSize: Int { env.mapSize }
}

/// Directories this process has open, so a second open fails clearly instead of breaking LMDB's locks.
private enum OpenLogs {
    private static let paths = Locked(Set<String>())

    static func claim(_ path: String) -> Bool { paths.withLock { $0.insert(path).inserted } }
    static func release(_ path: String) { _ = paths.withLock { $0.remove(path) } }
}

/// Checks that make a draft storable, run before the write transaction starts.
enum DraftValidation {
    static let maxNameBytes = 1024

    /// Through a pointer: the fields are read where the draft lies (reading them through a buffer's subscript
    /// copied the whole draft each time).
    static func problem(with draft: UnsafePointer<EventDraft>) -> String? {
        if let reason = nameProblem(draft.pointee.stream, field: "stream") { return reason }
        if let reason = nameProblem(draft.pointee.type, field: "type") { return reason }
        if draft.pointee.source.utf8.count > 64 * 1024 { return "source is longer than 64 KiB" }
        if let causation = draft.pointee.causation, causation == 0 { return "causation must be a position (1 or more)" }
        return nil
    }

    private static func nameProblem(_ name: String, field: String) -> String? {
        Keys.withUTF8Bytes(name) { utf8 in
            if utf8.isEmpty { return "\(field) is empty" }
            if utf8.count > maxNameBytes { return "\(field) is longer than \(maxNameBytes) bytes" }
            // C0 controls and DEL are single bytes in UTF-8 and never occur inside a multi-byte sequence.
            for byte in utf8 where byte < 0x20 || byte == 0x7F { return "\(field) contains a control character" }
            return nil
        }
    }
}

extension EventDraft {
    /// Why the log would refuse this draft (an empty or over-long stream or type, a control character, …); nil
    /// when it would take it. Lets a caller check a whole input before appending any of it.
    public var problem: String? { withUnsafePointer(to: self) { DraftValidation.problem(with: $0) } }
}
