import BacktestMetrics
import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents

/// What `haasledger lab run` was asked to do.
public struct LabRunRequest: Sendable {
    public var client: HaasClientConfiguration
    public var labID: String
    public var update: LabUpdate
    /// Unix seconds; nil keeps the period of the lab's last run.
    public var start: Int64?
    public var end: Int64?
    /// Follow a lab that is already running instead of refusing, and never start one that completed.
    public var resume: Bool
    /// Runtimes fetched at once.
    public var maxConcurrent: Int
    public var pollInterval: Duration
    public var pageLength: Int
    public var formulas: FormulaChoice

    public init(
        client: HaasClientConfiguration, labID: String, update: LabUpdate = LabUpdate(), start: Int64? = nil,
        end: Int64? = nil, resume: Bool = false, maxConcurrent: Int = 5, pollInterval: Duration = .seconds(5),
        pageLength: Int = 100, formulas: FormulaChoice = .none
    ) {
        self.client = client
        self.labID = labID
        self.update = update
        self.start = start
        self.end = end
        self.resume = resume
        self.maxConcurrent = maxConcurrent
        self.pollInterval = pollInterval
        self.pageLength = pageLength
        self.formulas = formulas
    }
}

/// Where a lab run is, for a progress line: backtests done of scheduled, runtimes recorded, and an ETA.
public struct LabProgress: Sendable {
    public let labID: String
    public let completed: Int
    public let scheduled: Int
    public let runtimes: Int
    public let secondsLeft: Double?
}

/// What a lab run recorded.
public struct LabRunSummary: Sendable {
    public let labID: String
    public let status: Int?
    public let completed: Int
    public let scheduled: Int
    public let results: Int
    public let runtimes: Int
    public let metrics: Int
    /// The run's results in the order the server listed them, with the parameters each ran with.
    let listed: [(backtestID: String, parameters: JSONValue?)]
}

extension LabService {
    /// Configures the lab (when asked), starts it, and follows it: each change of its execution, and its
    /// results and runtimes (with their metrics) as they complete, are recorded. Ctrl-C cancels the lab on the
    /// server; `resume` follows a lab already running (or one that completed) and fetches only what is missing.
    public func run(_ request: LabRunRequest, progress: (@Sendable (LabProgress) -> Void)? = nil) async throws
        -> LabRunSummary
    {
        guard request.maxConcurrent >= 1 else {
            throw LedgerError.invalidArgument(flag: "--max-concurrent", reason: "must be at least 1")
        }
        if let start = request.start, let end = request.end, start >= end {
            throw LedgerError.invalidArgument(flag: "--from/--to", reason: "the period must end after it starts")
        }
        var configuration = request.client
        configuration.concurrency = max(configuration.concurrency, request.maxConcurrent)
        return try await runs.perform("lab run", configuration, started: [("lab_id", .string(request.labID))]) {
            client, recorder, log in
            let formulas = try request.formulas.toRecord(log)
            let details = try await client.labDetails(labID: request.labID)
            recorder.add(
                FetchPayloads.lab(details.value, channel: "GET_LAB_DETAILS", bodyHash: Blob(details.body).hash.hex))
            let running = details.value.status == 1 || details.value.status == 2
            if running && !request.resume {
                throw LedgerError.invalidArgument(
                    flag: "lab run",
                    reason: "lab \(request.labID) is running; `lab run --resume` follows it, `lab cancel` stops it")
            }
            // A resumed run whose lab completed meanwhile (the first run was killed while following it) records
            // what is missing: starting it again would run every backtest a second time.
            let completedMeanwhile = request.resume && details.value.status == 3
            if !running && !completedMeanwhile {
                if !request.update.isEmpty {
                    _ = try await Self.apply(request.update, labID: request.labID, client: client, recorder: recorder)
                }
                guard let start = request.start ?? details.value.startUnix.flatMap({ $0 > 0 ? $0 : nil }),
                    let end = request.end ?? details.value.endUnix.flatMap({ $0 > 0 ? $0 : nil })
                else {
                    throw LedgerError.invalidArgument(
                        flag: "--from/--to", reason: "the lab has no period yet: give one")
                }
                _ = try await Self.start(
                    labID: request.labID, start: start, end: end, client: client, recorder: recorder)
            }
            // The script's version, so every backtest of the run names the source that produced it.
            let script = try await details.value.scriptID.asyncMap { try await client.scriptRecord(scriptID: $0) }
            if let script {
                recorder.add(
                    ScriptService.observed(
                        script.value, channel: "GET_SCRIPT_RECORD", bodyHash: Blob(script.body).hash.hex))
            }
            var follower = LabFollower(
                request: request, client: client, recorder: recorder, log: log, formulas: formulas, stop: stopRequest,
                progress: progress)
            follower.scriptVersion = script?.value.version
            do {
                return try await follower.follow()
            } catch LedgerError.interrupted(let what) {
                throw LedgerError.interrupted(what)
            } catch {
                // The lab may still be running on the server: say so where its timeline is.
                recorder.add(
                    Self.changed(
                        request.labID, action: "failed", requests: 0, reconciled: false,
                        request: [("error", .string(String(describing: error)))], accepted: false))
                throw error
            }
        }
    }
}

/// Polls a running lab (`GET_LAB_EXECUTION_UPDATE`), pages in results as its completed count grows and fetches
/// their runtimes, at most `maxConcurrent` at once.
struct LabFollower {
    let request: LabRunRequest
    let client: HaasClient
    let recorder: EventRecorder
    let log: EventLog
    let formulas: [FormulaSet]
    let stop: StopRequest
    let progress: (@Sendable (LabProgress) -> Void)?
    private var offset = 0
    private var seen = Set<String>()
    private var listed: [(backtestID: String, parameters: JSONValue?)] = []
    private var runtimes = 0
    private var metrics = 0
    private var lastUpdate: JSONValue?
    var scriptVersion: String?
    /// Whether a stop cancels the lab on the server (a sweep's Ctrl-C leaves it running for `sweep resume`).
    var cancelsOnStop: @Sendable () -> Bool = { true }
    private let began = ContinuousClock.now

    init(
        request: LabRunRequest, client: HaasClient, recorder: EventRecorder, log: EventLog, formulas: [FormulaSet],
        stop: StopRequest, progress: (@Sendable (LabProgress) -> Void)?
    ) {
        self.request = request
        self.client = client
        self.recorder = recorder
        self.log = log
        self.formulas = formulas
        self.stop = stop
        self.progress = progress
    }

    mutating func follow() async throws -> LabRunSummary {
        let labID = request.labID
        let known = try FetchService.recordedRuntimes(log)
        while true {
            if stop.isRequested {
                if cancelsOnStop() { try await cancelForStop() }
                try recorder.flush()
                throw LedgerError.interrupted("lab \(labID): left running on the server after \(seen.count) results")
            }
            let update = try await client.labExecutionUpdate(labID: labID).value
            if update.raw != lastUpdate {
                recorder.add(FetchPayloads.execution(update, lab: labID))
                lastUpdate = update.raw
            }
            let completed = update.completedBacktests ?? 0
            var fresh: [String] = []
            while offset < completed {
                let page = try await client.backtestResultPage(
                    labID: labID, nextPageID: offset, pageLength: request.pageLength)
                let hash = Blob(page.body).hash.hex
                for record in page.value.items where seen.insert(record.backtestID).inserted {
                    listed.append((record.backtestID, record.parameters))
                    recorder.add(FetchPayloads.result(record, lab: labID, pageBodyHash: hash))
                    if !known.contains(record.backtestID) { fresh.append(record.backtestID) }
                }
                guard let next = page.value.nextPageID, next > offset, !page.value.items.isEmpty else { break }
                offset = next
            }
            try recorder.flush()
            try await fetchRuntimes(fresh)
            let scheduled = update.scheduledBacktests ?? 0
            let elapsed = (ContinuousClock.now - began).inSeconds
            progress?(
                LabProgress(
                    labID: labID, completed: completed, scheduled: scheduled, runtimes: runtimes,
                    secondsLeft: completed > 0 && scheduled > completed
                        ? elapsed / Double(completed) * Double(scheduled - completed) : nil))
            if update.isFinished && offset >= completed {
                recorder.add(
                    LabService.changed(
                        labID, action: update.status == 4 ? "seen cancelled" : "finished", requests: 0,
                        reconciled: false,
                        request: [
                            ("completed", .number(completed)), ("scheduled", .number(scheduled)),
                            ("results", .number(seen.count)), ("runtimes", .number(runtimes)),
                        ], accepted: true))
                try recorder.flush()
                return LabRunSummary(
                    labID: labID, status: update.status, completed: completed, scheduled: scheduled,
                    results: seen.count, runtimes: runtimes, metrics: metrics, listed: listed)
            }
            try await pause()
        }
    }

    private mutating func fetchRuntimes(_ ids: [String]) async throws {
        guard !ids.isEmpty else { return }
        let decoded = DecodedRuntimes()
        let labID = request.labID
        let client = client
        let recorder = recorder
        let server = request.client.server.description
        let version = scriptVersion
        var failures: [String] = []
        try await withThrowingTaskGroup(of: String?.self) { group in
            var next = 0
            func add() {
                let id = ids[next]
                next += 1
                group.addTask {
                    do {
                        let reply = try await client.backtestRuntime(labID: labID, backtestID: id)
                        let draft = FetchPayloads.runtime(
                            reply.value, lab: labID, backtest: id, bodyHash: Blob(reply.body).hash.hex,
                            extra: version.map { [("script_version", .string($0))] } ?? [])
                        recorder.add(draft)
                        decoded.add(eventID: draft.id, runtime: reply.value, lab: labID, backtest: id)
                        return nil
                    } catch {
                        recorder.add(
                            FetchPayloads.failure(
                                channel: "GET_BACKTEST_RUNTIME", lab: labID, backtest: id, error: error, server: server)
                        )
                        return "\(id): \(error)"
                    }
                }
            }
            while next < min(request.maxConcurrent, ids.count) { add() }
            while let failure = try await group.next() {
                if let failure { failures.append(failure) } else { runtimes += 1 }
                if next < ids.count { add() }
            }
        }
        try recorder.flush()
        let drafts = try decoded.metricsDrafts(log: log, formulas: formulas)
        for draft in drafts { recorder.add(draft) }
        metrics += drafts.count
        try recorder.flush()
        if let first = failures.first {
            throw LedgerError.partialFailure(
                "\(failures.count) runtime(s) could not be fetched (first: \(first)); `lab run \(labID) --resume` fetches what is missing"
            )
        }
    }

    private func pause() async throws {
        let clock = ContinuousClock()
        let until = clock.now + request.pollInterval
        while clock.now < until, !stop.isRequested {
            try? await Task.sleep(for: min(.milliseconds(100), until - clock.now))
        }
    }

    private func cancelForStop() async throws -> Never {
        let stopped: Bool?
        do {
            stopped = try await client.cancelLabExecution(labID: request.labID).value
        } catch {
            stopped = nil
        }
        recorder.add(
            LabService.changed(
                request.labID, action: "cancelled", requests: 1, reconciled: false,
                request: [("reason", .string("interrupted"))], accepted: stopped ?? false))
        await LabService.observe(request.labID, client: client, recorder: recorder)
        try recorder.flush()
        let outcome =
            stopped == true
            ? "cancelled on the server after \(seen.count) results" : "cancelling it failed or it had ended"
        throw LedgerError.interrupted(
            "lab \(request.labID): \(outcome); what was fetched is recorded, `lab run \(request.labID) --resume` would follow a running lab"
        )
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
