import EventLog
import Foundation
import JSON

/// The `haasledger log …` use cases. The CLI parses flags and prints; everything else happens here.
public struct LogService: Sendable {
    public let location: LedgerLocation
    public let clock: any LedgerClock

    /// What to do when another command is writing to the ledger.
    public var writerPolicy: WriterLock.Policy = .waitOnStandardError
    /// Honoured between rounds of the first pass (nothing is appended) and between transactions of the second.
    public var stopRequest: StopRequest = .process

    public init(location: LedgerLocation, clock: any LedgerClock = SystemClock()) {
        self.location = location
        self.clock = clock
    }

    /// What `log append` did.
    public struct AppendSummary: Sendable, Equatable, CustomStringConvertible {
        public let appended: Int
        public let duplicates: Int
        public let firstPosition: UInt64?
        public let lastPosition: UInt64?

        public var description: String {
            var text = "appended \(appended) event\(appended == 1 ? "" : "s")"
            if let firstPosition, let lastPosition { text += " (positions \(firstPosition)–\(lastPosition))" }
            if duplicates > 0 { text += "; \(duplicates) already recorded (same id), skipped" }
            return text
        }
    }

    /// Appends the NDJSON events of a file (or `-`/nil for standard input); see `append(_:)`.
    public func append(path: String?) throws -> AppendSummary {
        try withNewLedgerUndone {
            try append(from: try LineFile(path: path, spoolDirectory: try scratchDirectory()))
        }
    }

    /// Where scratch files go: the ledger, or the nearest folder above where it is about to be created (the
    /// same file system, not a memory-backed /tmp).
    private func scratchDirectory() throws -> String {
        var directory = location.root
        while !FileManager.default.fileExists(atPath: directory) {
            guard let slash = directory.lastIndex(of: "/") else { return "." }
            directory = slash == directory.startIndex ? "/" : String(directory[..<slash])
        }
        // A ledger this user may not write is named as read-only, not as a scratch file it could not create.
        if directory == location.root, access(directory, W_OK) != 0, errno == EACCES || errno == EROFS {
            throw EventLogError.readOnly(path: location.root)
        }
        return directory
    }

    /// Runs `body`; when it fails and the ledger did not exist before, removes what it created, so a refused
    /// input leaves no empty ledger behind. A ledger that holds events by then (an append stopped after some
    /// transactions committed) is kept.
    private func withNewLedgerUndone<R>(_ body: () throws -> R) throws -> R {
        let existed = FileManager.default.fileExists(atPath: location.logDirectory)
        let rootExisted = FileManager.default.fileExists(atPath: location.root)
        do {
            return try body()
        } catch {
            let holdsEvents =
                ((try? location.openLog(create: false, clock: clock).read { try $0.head() }) ?? nil) != nil
            if !existed && !holdsEvents {
                try? FileManager.default.removeItem(atPath: rootExisted ? location.logDirectory : location.root)
                if rootExisted {
                    try? FileManager.default.removeItem(atPath: WriterLock.path(ledgerRoot: location.root))
                }
            }
            throw error
        }
    }

    /// Appends NDJSON events, all or none as far as the input goes: a first pass parses every line and checks
    /// it (its JSON, its fields, the drafts the log would refuse, and each `expected_version` against the log and
    /// the lines before it), writing the drafts to a private spool beside the log; only when every line passed
    /// does the second pass append the spool, in transactions of `AppendInput.eventsPerTransaction`, so memory
    /// stays bounded whatever the input's size.
    public func append(_ input: LineSource) throws -> AppendSummary {
        try withNewLedgerUndone { try append(from: input) }
    }

    func append(from input: some LineInput, eventsPerTransaction: Int = AppendInput.eventsPerTransaction) throws
        -> AppendSummary
    {
        let defaultSource = input.name == "stdin" ? "stdin" : input.name
        let lock = try WriterLock.acquire(location, command: "log append", policy: writerPolicy)
        defer { withExtendedLifetime(lock) {} }
        let log = try location.openLog(create: true, clock: clock)
        let spool = try DraftSpool(directory: try scratchDirectory())
        try AppendInput.stage(input, defaultSource: defaultSource, against: log, into: spool, stop: stopRequest)
        var appended: (count: Int, first: UInt64?, last: UInt64?) = (0, nil, nil)
        var duplicates = 0
        try AppendInput.batches(of: spool, size: eventsPerTransaction) { drafts, lines in
            try stopRequest.check(
                appended.count + duplicates == 0
                    ? "log append stopped after checking the input: nothing was appended"
                    : "log append stopped after \(appended.count) event(s) in whole transactions\(appended.first.map { " (positions \($0)–\(appended.last ?? $0))" } ?? ""), before line \(lines.first ?? 0): running it again skips the lines that carry an id; lines without one would be appended a second time"
            )
            let outcomes: [AppendOutcome]
            do {
                outcomes = try log.append(drafts)
            } catch EventLogError.invalidDraft(let index, let reason) {
                throw LedgerError.malformedInput(source: input.name, line: lines[index], reason: reason)
            }
            for outcome in outcomes {
                switch outcome {
                case .appended(let position, _):
                    appended.count += 1
                    appended.first = appended.first ?? position
                    appended.last = position
                case .duplicate: duplicates += 1
                }
            }
        }
        return AppendSummary(
            appended: appended.count, duplicates: duplicates, firstPosition: appended.first,
            lastPosition: appended.last)
    }

    /// Prints the events `query` selects; returns the last position shown.
    @discardableResult
    public func show(_ query: LogQuery, format: EventFormat, output: OutputSink) throws -> UInt64? {
        let log = try location.openLog(create: false, clock: clock)
        return try log.read { reader in
            switch format {
            case .ndjson:
                return try query.run(reader) { try output.writeLine(try EventPresentation.ndjsonLine($0)) }
            case .table:
                var rows: [[String]] = []
                let last = try query.run(reader) { rows.append(EventPresentation.tableRow($0)) }
                for line in EventPresentation.table.render(rows) { try output.writeLine(line) }
                return last
            }
        }
    }

    /// Prints new matching events as they are appended, polling every `interval`, until the task is cancelled.
    public func follow(
        _ query: LogQuery, format: EventFormat, output: OutputSink, interval: Duration
    ) async throws {
        let log = try location.openLog(create: false, clock: clock)
        var next = query.from
        var printedHeader = false
        while !Task.isCancelled {
            var page = query
            page.from = next
            page.limit = 10_000
            var rows: [[String]] = []
            let last = try log.read { reader in
                try page.run(reader) { event in
                    switch format {
                    case .ndjson: try output.writeLine(try EventPresentation.ndjsonLine(event))
                    case .table: rows.append(EventPresentation.tableRow(event))
                    }
                }
            }
            if format == .table, !rows.isEmpty || !printedHeader {
                for line in EventPresentation.table.render(rows, header: !printedHeader) { try output.writeLine(line) }
                printedHeader = true
            }
            try output.finish()
            if let last {
                next = last + 1
                if last >= query.through { return }
            } else {
                try await Task.sleep(for: interval)
            }
        }
    }

    public func verify(expectedHead: SHA256Hash?) throws -> VerifyReport {
        try location.openLog(create: false, clock: clock).verify(expectedHead: expectedHead)
    }

    public func stats() throws -> LogStats {
        try location.openLog(create: false, clock: clock).stats()
    }

    /// Writes the canonical export; returns the number of events.
    public func export(to output: OutputSink) throws -> UInt64 {
        let count = try location.openLog(create: false, clock: clock).exportNDJSON { try output.writeLine($0) }
        try output.finish()
        return count
    }

    /// `log export --follow`: export lines from `from` on, then each new event as it is appended, polling every
    /// `interval`, until the task is cancelled. Delivery is at least once from the position asked for: a
    /// consumer keeps the last `position` it processed and resumes from the next; `hash` lets it check the
    /// chain and drop duplicates.
    public func exportFollowing(from: UInt64, output: OutputSink, interval: Duration) async throws {
        let log = try location.openLog(create: false, clock: clock)
        var next = max(1, from)
        var emitted = Set<SHA256Hash>()
        while !Task.isCancelled {
            let page = try log.exportNDJSON(from: next, limit: 10_000, emitted: &emitted) { try output.writeLine($0) }
            try output.finish()
            if let last = page.last {
                next = last + 1
            } else {
                try await Task.sleep(for: interval)
            }
        }
    }

    /// Rebuilds the log from an export into this (empty) ledger.
    public func importExport(_ input: LineSource) throws -> LogHead? {
        try withNewLedgerUndone {
            let lock = try WriterLock.acquire(location, command: "log import", policy: writerPolicy)
            defer { withExtendedLifetime(lock) {} }
            do {
                return try EventLog.importNDJSON(input.lines, into: location.logDirectory, options: .init(clock: clock))
            } catch EventLogError.invalidExport(let line, let reason) {
                throw LedgerError.malformedInput(source: input.name, line: line, reason: reason)
            }
        }
    }
}

extension LogStats {
    /// The `log stats --format json` object. Its keys are a contract for scripts: only ever add to them.
    public var json: JSONValue {
        .object([
            ("format_version", .number(UInt64(formatVersion))),
            ("events", .number(events)),
            ("head_position", .number(head?.position ?? 0)),
            ("head_hash", head.map { .string($0.hash.hex) } ?? .null),
            ("first_recorded_at", firstRecordedAt.map { .string(Timestamp.format($0)) } ?? .null),
            ("last_recorded_at", head.map { .string(Timestamp.format($0.recordedAt)) } ?? .null),
            ("streams", .number(UInt64(streams))),
            ("types", .number(UInt64(types))),
            ("blobs", .number(UInt64(blobs))),
            ("blob_bytes", .number(blobBytes)),
            ("blob_stored_bytes", .number(blobStoredBytes)),
            ("blob_dictionaries", .number(UInt64(blobDictionaries))),
            ("file_bytes", .number(fileBytes)),
            ("map_bytes", .number(mapBytes)),
        ])
    }

    private static func size(_ bytes: Int64) -> String { ReadableNumbers.text(.integer(bytes), display: .bytes) }

    /// Label/value lines for `--format table`.
    public var tableRows: [[String]] {
        [
            ["events", String(events)],
            ["head position", String(head?.position ?? 0)],
            ["head hash", head?.hash.hex ?? "-"],
            ["first recorded", firstRecordedAt.map(Timestamp.format) ?? "-"],
            ["last recorded", head.map { Timestamp.format($0.recordedAt) } ?? "-"],
            ["streams", String(streams)],
            ["types", String(types)],
            ["blobs", String(blobs)],
            ["blob bytes", Self.size(blobBytes)],
            [
                "blobs stored as",
                Self.size(blobStoredBytes)
                    + (blobBytes > 0
                        ? String(
                            format: " (%.2f× the bodies, zstd, %d dictionar%@)",
                            Double(blobStoredBytes) / Double(blobBytes), blobDictionaries,
                            blobDictionaries == 1 ? "y" : "ies")
                        : ""),
            ],
            ["file size", Self.size(fileBytes)],
            ["map size", Self.size(mapBytes)],
            ["format version", String(formatVersion)],
        ]
    }
}

/// What the log commands print, worded here so the CLI only prints lines.
extension LogService {
    /// True when `text` is a head hash as `log stats` prints it (64 hexadecimal digits).
    public static func isHeadHash(_ text: String) -> Bool { SHA256Hash(hex: text) != nil }

    /// `log verify`: the report's lines, and the integrity failure to exit with when the log is damaged.
    public func verify(expectedHeadHex: String?, json: Bool) throws -> (lines: [String], failure: LedgerError?) {
        let expected = try expectedHeadHex.map { text in
            guard let hash = SHA256Hash(hex: text) else {
                throw LedgerError.invalidArgument(flag: "--expect-head", reason: "must be 64 hexadecimal digits")
            }
            return hash
        }
        let report = try verify(expectedHead: expected)
        return (
            VerifyPresentation.lines(report, format: json ? .json : .text),
            report.isValid ? nil : LedgerError.integrity(VerifyPresentation.failureSummary(report))
        )
    }

    /// `log stats` as a table or one JSON line.
    public func statsLines(json: Bool) throws -> [String] {
        let log = try location.openLog(create: false, clock: clock)
        let stats = try log.stats()
        let id = try LedgerIdentity.id(of: log)
        if json {
            guard case .object(let members) = stats.json else { return [CanonicalJSON.string(stats.json)] }
            return [CanonicalJSON.string(.object(members + [("ledger_id", id.map(JSONValue.string) ?? .null)]))]
        }
        return TableRenderer(columns: [.init("STAT"), .init("VALUE")]).render(
            [["ledger id", id ?? "-"]] + stats.tableRows, header: false)
    }

    /// `log import`, summed up in one line.
    public func importExportLine(_ input: LineSource) throws -> String {
        guard let head = try importExport(input) else { return "imported 0 events" }
        return "imported \(head.position) events; head hash \(head.hash.hex)"
    }
}
