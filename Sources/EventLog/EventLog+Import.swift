import JSON

extension EventLog {
    /// Rebuilds a log from `exportNDJSON` lines into `directory`, which must hold no events.
    ///
    /// The import is written into a sibling directory and renamed into place only after every line's hash
    /// matched, so a failed import leaves the target exactly as it was.
    ///
    /// - Parameter lines: the export's lines with their 1-based line numbers (blank lines are skipped).
    /// - Returns: the head of the imported log (nil for an empty export).
    public static func importNDJSON(
        _ lines: some Sequence<(number: Int, bytes: [UInt8])>, into directory: String,
        options: Options = Options()
    ) throws -> LogHead? {
        if FileSystem.exists(directory + "/data.mdb") {
            let existing = try EventLog.open(
                directory: directory, options: Options(create: false, clock: options.clock))
            if let head = try existing.read({ try $0.head() }) {
                throw EventLogError.importIntoNonEmptyLog(path: directory, events: head.position)
            }
        }
        let target = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let staging = target + ".importing"
        let parent = target.contains("/") ? String(target[..<target.lastIndex(of: "/")!]) : "."
        let parentExisted = FileSystem.exists(parent)
        try removeLogDirectory(staging)
        var stagingOptions = options
        stagingOptions.create = true
        stagingOptions.durable = false  // made durable by one sync before the rename
        do {
            let head = try {
                let log = try EventLog.open(directory: staging, options: stagingOptions)
                let head = try ExportImporter(log: log).run(lines)
                try log.env.sync()
                return head
            }()
            try removeLogDirectory(directory)
            try FileSystem.rename(staging, to: directory)
            FileSystem.syncDirectory(directory + "/..")
            return head
        } catch {
            try? removeLogDirectory(staging)
            // Leave no trace of a ledger directory this import created.
            if !parentExisted && !parent.isEmpty { try? FileSystem.removeDirectory(parent) }
            throw error
        }
    }

    private static func removeLogDirectory(_ path: String) throws {
        guard FileSystem.exists(path) else { return }
        try FileSystem.removeFile(path + "/data.mdb")
        try FileSystem.removeFile(path + "/lock.mdb")
        try FileSystem.removeDirectory(path)
    }
}

/// Turns export lines back into drafts, batch by batch, and checks that the rebuilt chain matches.
private struct ExportImporter {
    let log: EventLog
    static let batchSize = 2_000

    func run(_ lines: some Sequence<(number: Int, bytes: [UInt8])>) throws -> LogHead? {
        var batch: [(line: Int, draft: EventDraft, expected: ExpectedRecord)] = []
        var nextPosition: UInt64 = 1
        for (number, bytes) in lines {
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let parsed = try ExportLineParser.parse(bytes, line: number)
            guard parsed.expected.position == nextPosition else {
                throw EventLogError.invalidExport(
                    line: number, reason: "position \(parsed.expected.position) where \(nextPosition) was expected")
            }
            nextPosition += 1
            batch.append((number, parsed.draft, parsed.expected))
            if batch.count == ExportImporter.batchSize {
                try flush(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        try flush(batch)
        return try log.read { try $0.head() }
    }

    private func flush(_ batch: [(line: Int, draft: EventDraft, expected: ExpectedRecord)]) throws {
        guard !batch.isEmpty else { return }
        let outcomes: [AppendOutcome]
        do {
            outcomes = try log.append(batch.map(\.draft))
        } catch EventLogError.invalidDraft(let index, let reason) {
            throw EventLogError.invalidExport(line: batch[index].line, reason: reason)
        } catch let EventLogError.clockRegression(position, _, _) {
            let line = batch.first { $0.expected.position == position }?.line ?? 0
            throw EventLogError.invalidExport(line: line, reason: "recorded_at is earlier than the previous event's")
        }
        try log.read { reader in
            for (entry, outcome) in zip(batch, outcomes) {
                guard case .appended(let position, let version) = outcome else {
                    throw EventLogError.invalidExport(
                        line: entry.line, reason: "event id \(entry.draft.id) appears twice")
                }
                guard version == entry.expected.streamVersion else {
                    throw EventLogError.invalidExport(
                        line: entry.line,
                        reason: "stream_version \(entry.expected.streamVersion) but the rebuilt stream is at \(version)"
                    )
                }
                guard let event = try reader.event(at: position), event.hash == entry.expected.hash else {
                    throw EventLogError.invalidExport(
                        line: entry.line,
                        reason: "hash does not match the rebuilt chain (the export was altered, or a line is missing)")
                }
            }
        }
    }
}

struct ExpectedRecord {
    let position: UInt64
    let streamVersion: UInt64
    let hash: SHA256Hash
}

/// Reads one export line strictly: every field must be present with the right kind.
enum ExportLineParser {
    static func parse(_ bytes: [UInt8], line: Int) throws -> (draft: EventDraft, expected: ExpectedRecord) {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw EventLogError.invalidExport(line: line, reason: "not JSON: \(error)")
        }
        func fail(_ reason: String) -> EventLogError { .invalidExport(line: line, reason: reason) }
        func field(_ name: String) throws -> JSONValue {
            guard let value = json[name] else { throw fail("missing field '\(name)'") }
            return value
        }
        func string(_ name: String) throws -> String {
            guard let text = try field(name).stringValue else { throw fail("'\(name)' must be a string") }
            return text
        }
        func unsigned(_ name: String) throws -> UInt64 {
            guard let value = try field(name).numberValue?.uint64Value else {
                throw fail("'\(name)' must be a whole number ≥ 0")
            }
            return value
        }
        func optionalSigned(_ name: String) throws -> Int64? {
            let value = try field(name)
            if value == .null { return nil }
            guard let number = value.numberValue?.int64Value else { throw fail("'\(name)' must be an integer or null") }
            return number
        }
        guard case .object = json else { throw fail("each line must be a JSON object") }
        guard let id = EventID(try string("id")) else { throw fail("'id' is not a UUID") }
        guard let hash = SHA256Hash(hex: try string("hash")) else { throw fail("'hash' is not 64 hex digits") }
        let correlation: EventID?
        switch try field("correlation_id") {
        case .null: correlation = nil
        case .string(let text):
            guard let parsed = EventID(text) else { throw fail("'correlation_id' is not a UUID") }
            correlation = parsed
        default: throw fail("'correlation_id' must be a UUID string or null")
        }
        let causation: UInt64?
        if try field("causation") == .null {
            causation = nil
        } else {
            causation = try unsigned("causation")
        }
        guard case .array(let blobEntries) = try field("blobs") else { throw fail("'blobs' must be an array") }
        var blobHashes: [SHA256Hash] = []
        var blobs: [Blob] = []
        for entry in blobEntries {
            guard let hex = entry["sha256"]?.stringValue, let blobHash = SHA256Hash(hex: hex) else {
                throw fail("each blob needs a 'sha256' of 64 hex digits")
            }
            blobHashes.append(blobHash)
            if let data = entry["data"] {
                guard let text = data.stringValue, let bytes = Base64.decode(text) else {
                    throw fail("blob \(hex): 'data' is not base64")
                }
                let blob = Blob(bytes)
                guard blob.hash == blobHash else { throw fail("blob \(hex): its data hashes to \(blob.hash.hex)") }
                blobs.append(blob)
            }
        }
        let schemaVersion = try unsigned("schema_version")
        guard schemaVersion <= UInt64(UInt32.max) else { throw fail("'schema_version' is too large") }
        guard let recordedAt = try optionalSigned("recorded_at") else { throw fail("'recorded_at' must be an integer") }
        var draft = EventDraft(
            id: id, stream: try string("stream"), type: try string("type"), schemaVersion: UInt32(schemaVersion),
            payload: Payload(try field("payload")), observedAt: try optionalSigned("observed_at"),
            correlationID: correlation, causation: causation, source: try string("source"), blobs: blobs)
        draft.importedRecordedAt = recordedAt
        draft.importedBlobHashes = blobHashes
        return (
            draft,
            ExpectedRecord(
                position: try unsigned("position"), streamVersion: try unsigned("stream_version"), hash: hash)
        )
    }
}
