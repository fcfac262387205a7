import BacktestMetrics
import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents
import Platform

/// What `haasledger fetch` was asked to do.
public struct FetchRequest: Sendable {
    public enum Labs: Sendable, Equatable {
        case all
        case ids([String])
    }

    public var client: HaasClientConfiguration
    public var labs: Labs
    public var runtimes: Bool
    public var logs: Bool
    public var charts: Bool
    public var pageLength: Int
    /// Fetch runtimes again even when the ledger already holds them.
    public var refresh: Bool
    /// Which formulas the runtimes' metrics are computed under (`FormulaChoice.toRecord`).
    public var formulas: FormulaChoice

    public init(
        client: HaasClientConfiguration, labs: Labs, runtimes: Bool = false, logs: Bool = false,
        charts: Bool = false, pageLength: Int = 100, refresh: Bool = false, formulas: FormulaChoice = .none
    ) {
        self.client = client
        self.labs = labs
        self.runtimes = runtimes
        self.logs = logs
        self.charts = charts
        self.pageLength = pageLength
        self.refresh = refresh
        self.formulas = formulas
    }
}

/// Progress of a running fetch, for a display on a terminal.
public struct FetchProgress: Sendable {
    public let phase: String
    public let done: Int
    public let total: Int
}

/// `haasledger fetch`: records every exchange with the server and the facts in it, framed by
/// `run.started` / `run.finished`, committing as it goes.
public struct FetchService: Sendable {
    public let location: LedgerLocation
    public let clock: any LedgerClock
    /// Runtimes committed per batch.
    public var runtimeBatch = 250
    /// What to do when another command is writing to the ledger.
    public var writerPolicy: WriterLock.Policy = .waitOnStandardError
    /// Honoured between requests: what is done is committed and the run is closed as interrupted.
    public var stopRequest: StopRequest = .process

    public init(location: LedgerLocation, clock: any LedgerClock = SystemClock()) {
        self.location = location
        self.clock = clock
    }

    public func run(_ request: FetchRequest, progress: (@Sendable (FetchProgress) -> Void)? = nil) async throws
        -> FetchSummary
    {
        let lock = try WriterLock.acquire(location, command: "fetch", policy: writerPolicy)
        defer { withExtendedLifetime(lock) {} }
        let log = try location.openLog(create: true, clock: clock)
        let formulas = try request.formulas.toRecord(log)
        let started = ContinuousClock.now
        let runID = EventID.generate()
        let server = request.client.server.description
        let recorder = EventRecorder(log: log, correlationID: runID, source: server)
        var summary = FetchSummary(runID: runID)
        // A fetch killed between its runtimes and their metrics left them without: completed first.
        let completion = try InterruptedRuns.complete("fetch", in: log, formulas: formulas, by: runID, source: server)
        summary.metricsComputed += completion.metricsComputed
        recorder.add(
            EventDraft(
                .runStarted, stream: RecorderStreams.run(runID),
                payload: Payload(
                    .object([
                        ("command", .string("fetch")), ("server", .string(server)),
                        (
                            "labs",
                            request.labs == .all ? .string("all") : .array(labIDs(request.labs).map(JSONValue.string))
                        ),
                        ("runtimes", .bool(request.runtimes)), ("logs", .bool(request.logs)),
                        ("charts", .bool(request.charts)),
                        ("refresh", .bool(request.refresh)), ("page_length", .number(request.pageLength)),
                        ("concurrency", .number(request.client.concurrency)),
                        ("formulas", .array(formulas.map { .string($0.name) })),
                    ])),
                expectedVersion: 0))
        try recorder.flush()
        let client = HaasClient(configuration: request.client, observer: recorder)
        var runError: (any Error)?
        do {
            try await fetch(
                request, formulas: formulas, client: client, recorder: recorder, log: log, summary: &summary,
                progress: progress)
        } catch LedgerError.interrupted(let progress) {
            runError = LedgerError.interrupted(progress)
        } catch {
            runError = error
            summary.failures += 1
            summary.noteFailure("\(error)")
            recorder.add(FetchPayloads.failure(channel: "run", lab: nil, backtest: nil, error: error, server: server))
        }
        try? await client.shutdown()
        let counts = recorder.snapshot
        summary.exchanges = counts.exchanges
        summary.bodyBytes = counts.bodyBytes
        summary.seconds = (ContinuousClock.now - started).inSeconds
        // What the run recorded, counted in its own run.finished (the disk may be full: counted as far as it got).
        _ = try? recorder.flush()
        summary.events = recorder.snapshot.events + 1
        var finished = summary.json
        let interrupted: String? = if case LedgerError.interrupted(let progress)? = runError { progress } else { nil }
        if case .object(var members) = finished {
            if interrupted != nil {
                members.append(("interrupted", .bool(true)))
            } else {
                members.append(("error", .optional(runError.map { String(describing: $0) })))
            }
            finished = .object(members)
        }
        recorder.add(
            EventDraft(
                .runFinished, stream: RecorderStreams.run(runID), payload: Payload(finished)))
        try recorder.flush()
        summary.events = recorder.snapshot.events
        if let interrupted {
            throw LedgerError.interrupted(
                "fetch stopped at \(interrupted); what it fetched is recorded (run \(runID), closed as interrupted) and the same fetch again skips it"
            )
        }
        if let runError { throw FetchFailure(summary: summary, underlying: runError) }
        return summary
    }

    private func labIDs(_ labs: FetchRequest.Labs) -> [String] {
        if case .ids(let ids) = labs { return ids }
        return []
    }

    private func fetch(
        _ request: FetchRequest, formulas: [FormulaSet], client: HaasClient, recorder: EventRecorder, log: EventLog,
        summary: inout FetchSummary,
        progress: (@Sendable (FetchProgress) -> Void)?
    ) async throws {
        let server = request.client.server.description
        var labs: [(id: String, expected: Int?)] = []
        switch request.labs {
        case .all:
            let reply = try await client.labs()
            let hash = Blob(reply.body).hash.hex
            for lab in reply.value {
                recorder.add(FetchPayloads.lab(lab, channel: "GET_LABS", bodyHash: hash))
                labs.append((lab.labID, lab.completedBacktests))
            }
        case .ids(let ids):
            for id in ids {
                try await recordingFailure(
                    channel: "GET_LAB_DETAILS", lab: id, server: server, recorder: recorder, summary: &summary
                ) {
                    let reply = try await client.labDetails(labID: id)
                    recorder.add(
                        FetchPayloads.lab(reply.value, channel: "GET_LAB_DETAILS", bodyHash: Blob(reply.body).hash.hex))
                    labs.append((id, reply.value.completedBacktests))
                }
            }
        }
        try recorder.flush()
        summary.labs = labs.count

        var backtests: [(lab: String, backtest: String)] = []
        for (index, lab) in labs.enumerated() {
            try stopRequest.check("result pages: \(index) of \(labs.count) labs")
            progress?(FetchProgress(phase: "results", done: index, total: labs.count))
            let counted = try await recordingFailure(
                channel: "GET_BACKTEST_RESULT_PAGE", lab: lab.id, server: server, recorder: recorder,
                summary: &summary
            ) { () async throws -> Bool in
                let results = try await client.allBacktestResults(labID: lab.id, pageLength: request.pageLength)
                let pageHashes = results.pages.map { Blob($0.body).hash.hex }
                for (record, page) in results.records {
                    recorder.add(FetchPayloads.result(record, lab: lab.id, pageBodyHash: pageHashes[page]))
                    backtests.append((lab.id, record.backtestID))
                }
                let reconciled = FetchPayloads.reconciliation(lab: lab.id, expected: lab.expected, results: results)
                recorder.add(reconciled.draft)
                return reconciled.matches
            }
            if counted == false { summary.countMismatches += 1 }
            try recorder.flush()
            // Kept current lab by lab, so a run stopped during its result pages says how far it got.
            summary.backtests = backtests.count
        }

        if request.runtimes {
            let runtimesFrom = try log.read { try $0.head()?.position ?? 0 }
            let known = request.refresh ? [] : try Self.recordedRuntimes(log)
            let todo = backtests.filter { !known.contains($0.backtest) }
            summary.runtimesSkipped = backtests.count - todo.count
            let decoded = DecodedRuntimes()
            let log = log
            try await forEachConcurrently(
                todo, phase: "runtimes", limit: request.client.concurrency, batch: runtimeBatch, recorder: recorder,
                progress: { progress?(FetchProgress(phase: "runtimes", done: $0, total: todo.count)) },
                afterFlush: {
                    // The runtimes just committed have positions now: their metrics cite them as causation,
                    // computed from the runtime already decoded rather than from the stored body again.
                    let drafts = try decoded.metricsDrafts(log: log, formulas: formulas)
                    summary.metricsComputed += drafts.count
                    for draft in drafts { recorder.add(draft) }
                }
            ) { item in
                do {
                    let reply = try await client.backtestRuntime(labID: item.lab, backtestID: item.backtest)
                    let draft = FetchPayloads.runtime(
                        reply.value, lab: item.lab, backtest: item.backtest, bodyHash: Blob(reply.body).hash.hex)
                    recorder.add(draft)
                    decoded.add(eventID: draft.id, runtime: reply.value, lab: item.lab, backtest: item.backtest)
                    return .fetched
                } catch {
                    recorder.add(
                        FetchPayloads.failure(
                            channel: "GET_BACKTEST_RUNTIME", lab: item.lab, backtest: item.backtest,
                            error: error, server: server))
                    return .failed
                }
            } tally: { outcome in
                if outcome == .fetched { summary.runtimesFetched += 1 } else { summary.failures += 1 }
            }
            // Any runtime of this run still without one of the formulas (none, unless a batch failed midway).
            for formula in formulas {
                summary.metricsComputed += try MetricsEngine(log: log).compute(
                    formula: formula.name, after: runtimesFrom
                )
                .computed
            }
        }
        for (enabled, channel) in [(request.logs, "GET_BACKTEST_LOG"), (request.charts, "GET_BACKTEST_CHART")]
        where enabled {
            try await forEachConcurrently(
                backtests, phase: channel, limit: request.client.concurrency, batch: 50, recorder: recorder,
                progress: { progress?(FetchProgress(phase: channel, done: $0, total: backtests.count)) }, afterFlush: {}
            ) { item in
                do {
                    let reply =
                        channel == "GET_BACKTEST_LOG"
                        ? try await client.backtestLog(labID: item.lab, backtestID: item.backtest)
                        : try await client.backtestChart(labID: item.lab, backtestID: item.backtest)
                    recorder.add(
                        FetchPayloads.attachment(
                            channel: channel, lab: item.lab, backtest: item.backtest,
                            bodyHash: Blob(reply.body).hash.hex, bytes: reply.body.count))
                    return .fetched
                } catch {
                    recorder.add(
                        FetchPayloads.failure(
                            channel: channel, lab: item.lab, backtest: item.backtest, error: error, server: server))
                    return .failed
                }
            } tally: { outcome in
                if outcome == .fetched {
                    if channel == "GET_BACKTEST_LOG" { summary.logsFetched += 1 } else { summary.chartsFetched += 1 }
                } else {
                    summary.failures += 1
                }
            }
        }
        progress?(FetchProgress(phase: "done", done: 1, total: 1))
    }

    /// Runs one call of a sequential phase: an error that ends the run is thrown on; any other is counted and
    /// recorded as `fetch.failed`, and the phase goes on (nil result).
    @discardableResult
    private func recordingFailure<R>(
        channel: String, lab: String, server: String, recorder: EventRecorder, summary: inout FetchSummary,
        _ call: () async throws -> R
    ) async throws -> R? {
        do {
            return try await call()
        } catch let error as HaasAPIError where error.endsTheRun {
            throw error
        } catch {
            summary.failures += 1
            summary.noteFailure("\(error)")
            recorder.add(FetchPayloads.failure(channel: channel, lab: lab, backtest: nil, error: error, server: server))
            return nil
        }
    }

    enum ItemOutcome: Sendable { case fetched, failed }

    /// Runs `work` over `items` with at most `limit` in flight, committing every `batch` completions and
    /// calling `afterFlush` after each commit.
    private func forEachConcurrently(
        _ items: [(lab: String, backtest: String)], phase: String, limit: Int, batch: Int, recorder: EventRecorder,
        progress: (Int) -> Void, afterFlush: () throws -> Void,
        _ work: @escaping @Sendable ((lab: String, backtest: String)) async -> ItemOutcome,
        tally: (ItemOutcome) -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: ItemOutcome.self) { group in
            var next = 0
            var done = 0
            while next < min(limit, items.count) {
                let item = items[next]
                group.addTask { await work(item) }
                next += 1
            }
            while let outcome = try await group.next() {
                tally(outcome)
                done += 1
                if done % batch == 0 {
                    try recorder.flush()
                    try afterFlush()
                    progress(done)
                }
                // Once a stop is asked for, the requests in flight finish and nothing new starts.
                if next < items.count, !stopRequest.isRequested {
                    let item = items[next]
                    group.addTask { await work(item) }
                    next += 1
                }
            }
            try recorder.flush()
            try afterFlush()
            try recorder.flush()
            progress(done)
            if done < items.count { try stopRequest.check("\(phase): \(done) of \(items.count)") }
        }
    }

    /// Backtests whose runtime the ledger already holds (the streams of `haas.backtest.runtime.fetched`).
    static func recordedRuntimes(_ log: EventLog) throws -> Set<String> {
        try log.read { reader in
            var ids = Set<String>()
            try reader.forEachEvent(ofType: EventType.runtimeFetched.name) { event in
                if event.stream.hasPrefix("backtest:") { ids.insert(String(event.stream.dropFirst("backtest:".count))) }
                return true
            }
            return ids
        }
    }
}

/// A fetch that could not finish; what it did record is in the ledger and in `summary`.
public struct FetchFailure: Error, CustomStringConvertible {
    public let summary: FetchSummary
    public let underlying: any Error
    public var description: String {
        "fetch failed: \(underlying) (run \(summary.runID) recorded \(summary.events) events)"
    }
}

extension HaasAPIError {
    /// Failures no further call can get past: recorded once, and the run stops.
    var endsTheRun: Bool {
        if case .loginFailed = self { return true }
        return false
    }
}
