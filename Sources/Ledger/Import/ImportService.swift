import BacktestMetrics
import Dispatch
import EventLog
import HaasAPI
import JSON
import LedgerEvents
import Platform

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
    /// What to do when another command is writing to the ledger.
    public var writerPolicy: WriterLock.Policy = .waitOnStandardError
    /// Honoured between windows of files: whole files are committed and the run is closed as interrupted.
    public var stopRequest: StopRequest = .process

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
        // A file named on the command line that is no cache file is a mistake in the command, caught before
        // anything is recorded; files found in folders that are not cache files are only counted.
        if let named = entries.first(where: { $0.explicit && $0.recognised == nil }) {
            throw LedgerError.invalidArgument(
                flag: named.path,
                reason:
                    "not a pyHaasAPI cache file this importer knows (haas-api.md §5: cache/lab_backtests_*/, unified_cache/backtests|reports/, backtest_cache/, data/history_cutoffs*.json)"
            )
        }
        let lock = request.dryRun ? nil : try WriterLock.acquire(location, command: "import", policy: writerPolicy)
        defer { withExtendedLifetime(lock) {} }
        let log: EventLog?
        if request.dryRun {
            do { log = try location.openLog(create: false, clock: clock) } catch EventLogError.notFound { log = nil }
        } else {
            log = try location.openLog(create: true, clock: clock)
        }
        let formulas = try log.map(request.formulas.toRecord) ?? request.formulas.toRecord(held: [])
        return try withoutActuallyEscaping(onFile) { onFile in
            var run = ImportRun(
                request: request, log: log, runID: request.dryRun ? nil : EventID.generate(), onFile: onFile,
                chunkFiles: chunkFiles, chunkBytes: chunkBytes, formulas: formulas)
            try run.start(entries: entries)
            // Reading, hashing, parsing and computing metrics run on every core, a window of files at a time,
            // while this thread records the previous window in path order.
            let windows = stride(from: 0, to: entries.count, by: 128).map {
                Array(entries[$0..<min($0 + 128, entries.count)])
            }
            let (parser, dryRun) = (run.parser, request.dryRun)
            let prepare = { @Sendable (window: [CacheTree.Entry]) in
                BackgroundResult {
                    ParallelMap.map(window) { ImportRun.prepare($0, parser: parser, log: log, dryRun: dryRun) }
                }
            }
            var done = 0
            // Two windows ahead, so the workers have one to go on with while a commit waits for the disk.
            var upcoming = windows.prefix(2).map(prepare)
            for index in windows.indices {
                if stopRequest.isRequested {
                    for window in upcoming { _ = window.wait() }
                    try run.commit()
                    try run.finish(interrupted: true)
                    throw LedgerError.interrupted(
                        "import stopped after \(done) of \(entries.count) files; those are recorded (run closed as interrupted) and the same import again skips them"
                    )
                }
                let prepared = upcoming.removeFirst().wait()
                if index + 2 < windows.count { upcoming.append(prepare(windows[index + 2])) }
                for file in prepared { try run.take(file) }
                done += prepared.count
                progress?(FetchProgress(phase: "import", done: done, total: entries.count))
            }
            try run.commit()
            if !entries.contains(where: { $0.recognised != nil }) {
                run.summary.warnings.append(
                    "nothing to import: none of the \(entries.count) file(s) under \(request.paths.joined(separator: ", ")) is a pyHaasAPI cache file (cache/lab_backtests_*/, unified_cache/backtests|reports/, backtest_cache/, data/history_cutoffs*.json)"
                )
            }
            run.summary.seconds = (ContinuousClock.now - started).inSeconds
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
    var summary: ImportSummary
    var parser: CacheFileParser
    /// Contents seen earlier in this run (the same bytes under two names are imported once).
    var seen: [String: String] = [:]
    var chunk: [ChunkItem] = []
    var chunkSize = 0

    enum ChunkItem {
        case imported(CacheFile, ParsedCacheFile)
        case copy(CacheFile, CacheFileKind, of: String)
        case failed(path: String, file: CacheFile?, kind: CacheFileKind?, problem: CacheFileProblem)
    }

    init(
        request: ImportRequest, log: EventLog?, runID: EventID?, onFile: @escaping (ImportFileOutcome) -> Void,
        chunkFiles: Int, chunkBytes: Int, formulas: [FormulaSet]
    ) {
        self.request = request
        self.log = log
        self.runID = runID
        self.onFile = onFile
        self.chunkFiles = chunkFiles
        self.chunkBytes = chunkBytes
        summary = ImportSummary(runID: runID, dryRun: request.dryRun)
        parser = CacheFileParser(serverLabel: request.serverLabel, formulas: formulas)
    }

    mutating func start(entries: [CacheTree.Entry]) throws {
        guard let log, let runID else { return }
        try completeInterruptedRuns(log)
        try log.append(
            EventDraft(
                .runStarted, stream: RecorderStreams.run(runID),
                payload: Payload(
                    .object([
                        ("command", .string("import")), ("paths", .array(request.paths.map(JSONValue.string))),
                        ("files", .number(entries.count)), ("server_label", .optional(request.serverLabel)),
                        ("formulas", .array(parser.formulas.map { .string($0.name) })),
                    ])),
                expectedVersion: 0, correlationID: runID, source: "import"))
    }

    /// An import that stopped between a chunk's file events and their metrics (a crash, a kill) left runtimes
    /// without their metrics; `InterruptedRuns` completes them and closes that run, so it is done once.
    private mutating func completeInterruptedRuns(_ log: EventLog) throws {
        guard let runID else { return }
        let completion = try InterruptedRuns.complete(
            "import", in: log, formulas: parser.formulas, by: runID, source: "import")
        summary.metricsComputed += completion.metricsComputed
        summary.events += completion.events
    }

    mutating func finish(interrupted: Bool = false) throws {
        guard let log, let runID else { return }
        var finished = summary.json
        if interrupted, case .object(let members) = finished {
            finished = .object(members + [("interrupted", .bool(true))])
        }
        try log.append(
            EventDraft(
                .runFinished, stream: RecorderStreams.run(runID), payload: Payload(finished),
                correlationID: runID, source: "import"))
        summary.events += 2
    }

    /// A file read, hashed, checked against the log and (when it needs no other file) parsed. Runs on
    /// several threads at once; `take` then handles the results in path order.
    struct PreparedFile: Sendable {
        enum Stage: Sendable {
            case ignored
            case unreadable(RecognisedPath, CacheFileProblem)
            case alreadyImported(RecognisedPath, CacheFile)
            /// The bytes were imported under another path (`original`), this path not yet.
            case copy(RecognisedPath, CacheFile, original: String)
            /// `parsed` is nil for the kinds read in order (`CacheFileParser.readsSiblings`).
            case read(RecognisedPath, CacheFile, parsed: Result<ParsedCacheFile, CacheFileProblem>?)
        }
        let entry: CacheTree.Entry
        let stage: Stage
    }

    static func prepare(_ entry: CacheTree.Entry, parser: CacheFileParser, log: EventLog?, dryRun: Bool)
        -> PreparedFile
    {
        guard let recognised = entry.recognised else { return PreparedFile(entry: entry, stage: .ignored) }
        var file: CacheFile
        do throws(CacheFileProblem) {
            let read = try CacheTree.read(entry.path)
            file = CacheFile(path: entry.path, bytes: read.bytes, modifiedAt: read.modifiedAt, blob: Blob(read.bytes))
        } catch {
            return PreparedFile(entry: entry, stage: .unreadable(recognised, error))
        }
        if let log {
            let first = try? log.read { reader -> String? in
                guard let position = try reader.position(ofID: ImportPayloads.importedID(sha256: file.sha256)) else {
                    return nil
                }
                return try reader.event(at: position)?.payload.json["path"]?.stringValue ?? ""
            }
            if let original = first ?? nil {
                let copied = try? log.read {
                    try $0.position(ofID: ImportPayloads.copyID(sha256: file.sha256, path: file.path))
                }
                let known = original == file.path || (copied ?? nil) != nil
                return PreparedFile(
                    entry: entry,
                    stage: known ? .alreadyImported(recognised, file) : .copy(recognised, file, original: original))
            }
        }
        // Compressed here, on every core, rather than in the commit, which holds the writer lock on one thread.
        if let log, !dryRun { file.blob = log.encodedAhead(file.blob) }
        if CacheFileParser.readsSiblings(recognised.kind) {
            return PreparedFile(entry: entry, stage: .read(recognised, file, parsed: nil))
        }
        let parsed = Result { () throws(CacheFileProblem) in try parser.parseAlone(file, as: recognised) }
        return PreparedFile(entry: entry, stage: .read(recognised, file, parsed: parsed))
    }

    mutating func take(_ prepared: PreparedFile) throws {
        let entry = prepared.entry
        switch prepared.stage {
        case .ignored:
            summary.ignored += 1
        case .unreadable(let recognised, let problem):
            try add(.failed(path: entry.path, file: nil, kind: recognised.kind, problem: problem))
        case .alreadyImported(let recognised, let file):
            summary.bytes += file.bytes.count
            skip(file, kind: recognised.kind)
        case .copy(let recognised, let file, let original):
            summary.bytes += file.bytes.count
            try add(.copy(file, recognised.kind, of: original))
        case .read(let recognised, let file, let parsed):
            summary.bytes += file.bytes.count
            if let original = seen[file.sha256] {
                return try add(.copy(file, recognised.kind, of: original))
            }
            seen[file.sha256] = file.path
            let result = parsed ?? Result { () throws(CacheFileProblem) in try parser.parse(file, as: recognised) }
            switch result {
            case .success(let parsed): try add(.imported(file, parsed))
            case .failure(let problem):
                try add(.failed(path: entry.path, file: file, kind: recognised.kind, problem: problem))
            }
        }
    }

    private mutating func skip(_ file: CacheFile, kind: CacheFileKind) {
        summary.byKind[kind, default: ImportTally()].skipped += 1
        onFile(ImportFileOutcome(path: file.path, kind: kind, status: .skipped, events: 0, reason: nil))
    }

    private mutating func add(_ item: ChunkItem) throws {
        switch item {
        case .imported(let file, let parsed):
            let events = 1 + parsed.facts.count + parsed.runtimes.count
            summary.byKind[parsed.kind, default: ImportTally()].imported += 1
            summary.runtimes += parsed.runtimes.count
            onFile(
                ImportFileOutcome(
                    path: file.path, kind: parsed.kind, status: request.dryRun ? .wouldImport : .imported,
                    events: events, reason: nil))
            chunkSize += file.bytes.count
        case .copy(let file, let kind, let original):
            summary.copies += 1
            onFile(
                ImportFileOutcome(
                    path: file.path, kind: kind, status: .copy, events: 1, reason: "same bytes as \(original)"))
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
        var metrics: [(draftIndex: Int, backtest: String, formula: String, payload: Payload)] = []
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
                for runtime in parsed.runtimes {
                    for (formula, payload) in runtime.metrics {
                        metrics.append((base + runtime.factIndex, runtime.backtest, formula, payload))
                    }
                }
            case .copy(let file, let kind, let original):
                drafts.append(
                    ImportPayloads.copy(file, kind: kind, of: original, serverLabel: request.serverLabel, runID: runID))
            case .failed(let path, let file, let kind, let problem):
                drafts.append(ImportPayloads.failed(path: path, file: file, kind: kind, problem: problem, runID: runID))
            }
        }
        let outcomes = try log.append(drafts)
        summary.events += outcomes.count(where: \.isAppended)
        let computed = metrics.map { item in
            let runtime = drafts[item.draftIndex]
            return MetricsPayloads.computed(
                id: MetricsEngine.eventID(formula: item.formula, runtime: runtime.id),
                backtest: item.backtest, payload: item.payload,
                runtimeEvent: RuntimeProvenance(
                    id: runtime.id, position: outcomes[item.draftIndex].position, correlationID: runID,
                    source: runtime.source))
        }
        let appended = try log.append(computed).count(where: \.isAppended)
        summary.metricsComputed += appended
        summary.events += appended
        chunk.removeAll(keepingCapacity: true)
        chunkSize = 0
    }
}

extension AppendOutcome {
    /// False for a draft whose id was already in the log.
    var isAppended: Bool {
        if case .appended = self { return true }
        return false
    }
}
