import BacktestMetrics
import EventLog
import HaasAPI

/// What `haasledger import` was asked to do.
public struct ImportRequest: Sendable {
    public var paths: [String]
    public var dryRun: Bool
    /// Which server the caches came from; pyHaasAPI's v1 layouts do not say.
    public var serverLabel: String?
    /// Relative paths are resolved against this directory.
    public var workingDirectory: String

    public init(paths: [String], dryRun: Bool = false, serverLabel: String? = nil, workingDirectory: String) {
        self.paths = paths
        self.dryRun = dryRun
        self.serverLabel = serverLabel
        self.workingDirectory = workingDirectory
    }
}

/// What happened to one file.
public struct ImportFileOutcome: Sendable, Equatable {
    public enum Status: String, Sendable {
        case imported
        case wouldImport = "would import"
        case skipped = "already imported"
        case failed
        case ignored
    }

    public let path: String
    public let kind: CacheFileKind?
    public let status: Status
    /// Events the file adds (its `cache.file.imported`, its facts and their metrics).
    public let events: Int
    public let reason: String?
}

/// Files per kind: imported, already imported (skipped), failed.
public struct ImportTally: Sendable, Equatable {
    public var imported = 0
    public var skipped = 0
    public var failed = 0
}

/// What an import run did.
public struct ImportSummary: Sendable, Equatable {
    /// Nil for a dry run, which records nothing.
    public var runID: EventID?
    public var dryRun: Bool
    public var byKind: [CacheFileKind: ImportTally] = [:]
    /// Files that are not pyHaasAPI cache files.
    public var ignored = 0
    public var runtimes = 0
    public var metricsComputed = 0
    public var events = 0
    public var bytes = 0
    public var seconds = 0.0

    public var imported: Int { byKind.values.reduce(0) { $0 + $1.imported } }
    public var skipped: Int { byKind.values.reduce(0) { $0 + $1.skipped } }
    public var failed: Int { byKind.values.reduce(0) { $0 + $1.failed } }

    public var json: JSONValue {
        .object([
            ("run_id", .optional(runID?.description)), ("dry_run", .bool(dryRun)), ("imported", .number(imported)),
            ("skipped", .number(skipped)), ("failed", .number(failed)), ("ignored", .number(ignored)),
            (
                "by_kind",
                .object(
                    byKind.keys.sorted().map { kind in
                        let tally = byKind[kind] ?? ImportTally()
                        return (
                            kind.rawValue,
                            .object([
                                ("imported", .number(tally.imported)), ("skipped", .number(tally.skipped)),
                                ("failed", .number(tally.failed)),
                            ])
                        )
                    })
            ),
            ("runtimes", .number(runtimes)), ("metrics_computed", .number(metricsComputed)),
            ("events", .number(events)), ("bytes", .number(bytes)),
            ("seconds", .optional((seconds * 1000).rounded() / 1000)),
        ])
    }
}

/// `haasledger import`: records pyHaasAPI cache files and the facts inside them.
///
/// Each file is atomic: its `cache.file.imported` and its facts are appended in one transaction, or the file
/// is recorded as `import.failed` and nothing else of it. Files are committed in chunks (one transaction for
/// many whole files) so a large cache is not one fsync per file. Every id derives from the file's SHA-256,
/// so importing the same bytes again appends nothing.
public struct ImportService: Sendable {
    public let location: LedgerLocation
    public let clock: any LedgerClock
    /// Files per transaction, and bytes after which a chunk is committed early.
    public var chunkFiles = 256
    public var chunkBytes = 32 << 20

    public init(location: LedgerLocation, clock: any LedgerClock = SystemClock()) {
        self.location = location
        self.clock = clock
    }

    public func run(
        _ request: ImportRequest, progress: ((FetchProgress) -> Void)? = nil,
        onFile: (ImportFileOutcome) -> Void = { _ in }
    ) throws -> ImportSummary {
        let started = ContinuousClock.now
        let entries = try CacheTree.entries(request.paths, workingDirectory: request.workingDirectory)
        let log: EventLog?
        if request.dryRun {
            do { log = try location.openLog(create: false, clock: clock) } catch EventLogError.notFound { log = nil }
        } else {
            log = try location.openLog(create: true, clock: clock)
        }
        return try withoutActuallyEscaping(onFile) { onFile in
            var run = ImportRun(
                request: request, log: log, runID: request.dryRun ? nil : EventID.generate(), onFile: onFile,
                chunkFiles: chunkFiles, chunkBytes: chunkBytes)
            try run.start(entries: entries)
            for (index, entry) in entries.enumerated() {
                try run.take(entry)
                if index % 64 == 63 { progress?(FetchProgress(phase: "import", done: index + 1, total: entries.count)) }
            }
            try run.commit()
            run.summary.seconds = (ContinuousClock.now - started).seconds
            try run.finish()
            progress?(FetchProgress(phase: "done", done: entries.count, total: entries.count))
            return run.summary
        }
    }
}

/// One import run's state: the chunk being gathered and the counts so far.
private struct ImportRun {
    let request: ImportRequest
    let log: EventLog?
    let runID: EventID?
    let onFile: (ImportFileOutcome) -> Void
    let chunkFiles: Int
    let chunkBytes: Int
    let formula = FormulaRegistry.builtIn.find(FormulaRegistry.defaultName)
    var summary: ImportSummary
    var parser: CacheFileParser
    /// Contents seen earlier in this run (the same bytes under two names are imported once).
    var seen = Set<String>()
    var chunk: [ChunkItem] = []
    var chunkSize = 0

    enum ChunkItem {
        case imported(CacheFile, ParsedCacheFile)
        case failed(path: String, file: CacheFile?, kind: CacheFileKind?, problem: CacheFileProblem)
    }

    init(
        request: ImportRequest, log: EventLog?, runID: EventID?, onFile: @escaping (ImportFileOutcome) -> Void,
        chunkFiles: Int, chunkBytes: Int
    ) {
        self.request = request
        self.log = log
        self.runID = runID
        self.onFile = onFile
        self.chunkFiles = chunkFiles
        self.chunkBytes = chunkBytes
        summary = ImportSummary(runID: runID, dryRun: request.dryRun)
        parser = CacheFileParser(serverLabel: request.serverLabel)
    }

    mutating func start(entries: [CacheTree.Entry]) throws {
        guard let log, let runID else { return }
        try log.append(
            EventDraft(
                stream: RecorderStreams.run(runID), type: "run.started",
                payload: Payload(
                    .object([
                        ("command", .string("import")), ("paths", .array(request.paths.map(JSONValue.string))),
                        ("files", .number(entries.count)), ("server_label", .optional(request.serverLabel)),
                    ])),
                expectedVersion: 0, correlationID: runID, source: "import"))
    }

    mutating func finish() throws {
        guard let log, let runID else { return }
        try log.append(
            EventDraft(
                stream: RecorderStreams.run(runID), type: "run.finished", payload: Payload(summary.json),
                correlationID: runID, source: "import"))
        summary.events += 2
    }

    mutating func take(_ entry: CacheTree.Entry) throws {
        guard let recognised = entry.recognised else {
            summary.ignored += 1
            if entry.explicit {
                onFile(
                    ImportFileOutcome(
                        path: entry.path, kind: nil, status: .ignored, events: 0,
                        reason: "not a pyHaasAPI cache file this importer knows (haas-api.md §5)"))
            }
            return
        }
        let file: CacheFile
        do throws(CacheFileProblem) {
            let read = try CacheTree.read(entry.path)
            file = CacheFile(path: entry.path, bytes: read.bytes, modifiedAt: read.modifiedAt, blob: Blob(read.bytes))
        } catch {
            return try add(.failed(path: entry.path, file: nil, kind: recognised.kind, problem: error))
        }
        summary.bytes += file.bytes.count
        let repeated = !seen.insert(file.sha256).inserted
        if try repeated || alreadyImported(file) {
            summary.byKind[recognised.kind, default: ImportTally()].skipped += 1
            onFile(ImportFileOutcome(path: file.path, kind: recognised.kind, status: .skipped, events: 0, reason: nil))
            return
        }
        let parsed: ParsedCacheFile
        do throws(CacheFileProblem) {
            parsed = try parser.parse(file, as: recognised)
        } catch {
            return try add(.failed(path: entry.path, file: file, kind: recognised.kind, problem: error))
        }
        try add(.imported(file, parsed))
    }

    private func alreadyImported(_ file: CacheFile) throws -> Bool {
        guard let log else { return false }
        let id = ImportPayloads.importedID(sha256: file.sha256)
        return try log.read { try $0.position(ofID: id) } != nil
    }

    private mutating func add(_ item: ChunkItem) throws {
        switch item {
        case .imported(let file, let parsed):
            let events = 1 + parsed.facts.count + (formula == nil ? 0 : parsed.runtimes.count)
            summary.byKind[parsed.kind, default: ImportTally()].imported += 1
            summary.runtimes += parsed.runtimes.count
            onFile(
                ImportFileOutcome(
                    path: file.path, kind: parsed.kind, status: request.dryRun ? .wouldImport : .imported,
                    events: events, reason: nil))
            chunkSize += file.bytes.count
        case .failed(let path, let file, let kind, let problem):
            summary.byKind[kind ?? .unifiedBacktest, default: ImportTally()].failed += 1
            onFile(ImportFileOutcome(path: path, kind: kind, status: .failed, events: 1, reason: problem.description))
            chunkSize += file?.bytes.count ?? 0
        }
        guard !request.dryRun else { return }
        chunk.append(item)
        if chunk.count >= chunkFiles || chunkSize >= chunkBytes { try commit() }
    }

    /// Appends the chunk's files in one transaction, then the metrics of its runtimes (which cite the
    /// runtime events' positions, known only after the first append).
    mutating func commit() throws {
        guard let log, let runID, !chunk.isEmpty else { return }
        var drafts: [EventDraft] = []
        var runtimes: [(draftIndex: Int, runtime: BacktestRuntime, lab: String, backtest: String)] = []
        for item in chunk {
            switch item {
            case .imported(let file, let parsed):
                drafts.append(ImportPayloads.imported(file, parsed, serverLabel: request.serverLabel, runID: runID))
                let base = drafts.count
                for var fact in parsed.facts {
                    fact.correlationID = runID
                    fact.source = file.path
                    if fact.observedAt == nil { fact.observedAt = file.modifiedAt }
                    drafts.append(fact)
                }
                runtimes += parsed.runtimes.map { (base + $0.factIndex, $0.runtime, $0.lab, $0.backtest) }
            case .failed(let path, let file, let kind, let problem):
                drafts.append(ImportPayloads.failed(path: path, file: file, kind: kind, problem: problem, runID: runID))
            }
        }
        let outcomes = try log.append(drafts)
        summary.events += outcomes.count(where: \.isAppended)
        if let formula {
            let metrics = runtimes.map { item in
                let draft = drafts[item.draftIndex]
                return MetricsPayloads.computed(
                    id: MetricsEngine.eventID(formula: formula.name, runtime: draft.id), formula: formula,
                    runtime: item.runtime,
                    runtimeEvent: RuntimeProvenance(
                        id: draft.id, position: outcomes[item.draftIndex].position, correlationID: runID,
                        source: draft.source), lab: item.lab, backtest: item.backtest)
            }
            let appended = try log.append(metrics).count(where: \.isAppended)
            summary.metricsComputed += appended
            summary.events += appended
        }
        chunk.removeAll(keepingCapacity: true)
        chunkSize = 0
    }
}

/// The events that record the files themselves.
enum ImportPayloads {
    static func importedID(sha256: String) -> EventID { EventID.derived(from: "cache.file.imported|\(sha256)") }

    static func imported(_ file: CacheFile, _ parsed: ParsedCacheFile, serverLabel: String?, runID: EventID)
        -> EventDraft
    {
        let members: [(key: String, value: JSONValue)] =
            [
                ("path", .string(file.path)), ("kind", .string(parsed.kind.rawValue)),
                ("bytes", .number(file.bytes.count)),
                ("modified_at", .string(Timestamp.format(file.modifiedAt))), ("sha256", .string(file.sha256)),
                ("server_label", .optional(serverLabel)), ("facts", .number(parsed.facts.count)),
            ] + parsed.details
        return EventDraft(
            id: importedID(sha256: file.sha256), stream: "import:\(file.sha256)", type: "cache.file.imported",
            payload: Payload(.object(members)), observedAt: file.modifiedAt, correlationID: runID, source: file.path,
            blobs: [file.blob])
    }

    /// A file that could not be imported: why, and its bytes as evidence when they could be read.
    static func failed(path: String, file: CacheFile?, kind: CacheFileKind?, problem: CacheFileProblem, runID: EventID)
        -> EventDraft
    {
        EventDraft(
            stream: "import:\(file?.sha256 ?? path)", type: "import.failed",
            payload: Payload(
                .object([
                    ("path", .string(path)), ("kind", .optional(kind?.rawValue)), ("field", .optional(problem.field)),
                    ("reason", .string(problem.reason)), ("bytes", .optional(file?.bytes.count)),
                    ("modified_at", .optional(file.map { Timestamp.format($0.modifiedAt) })),
                    ("sha256", .optional(file?.sha256)),
                ])),
            observedAt: file?.modifiedAt, correlationID: runID, source: path, blobs: file.map { [$0.blob] } ?? [])
    }
}

extension AppendOutcome {
    /// False for a draft whose id was already in the log.
    var isAppended: Bool {
        if case .appended = self { return true }
        return false
    }
}
