import BacktestMetrics
import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents
import Platform

/// `haasledger sweep run|resume|cancel`: parameter sweeps whose every trial is an event. The sampler's asks,
/// the trials' backtests and their verdicts all go on the log, so a sweep killed at any point resumes exactly:
/// the same next trials, no backtest started twice, and exactly its budget of told trials at the end.
public struct SweepService: Sendable {
    public let location: LedgerLocation
    public let clock: any LedgerClock
    public var writerPolicy: WriterLock.Policy = .waitOnStandardError
    public var stopRequest: StopRequest = .process

    public init(location: LedgerLocation, clock: any LedgerClock = SystemClock()) {
        self.location = location
        self.clock = clock
    }

    private var runs: RecordedRun { RecordedRun(location: location, clock: clock, writerPolicy: writerPolicy) }

    /// Starts a new sweep (`sweepID`: a new UUID when nil) and runs it to its end.
    public func run(
        _ definition: SweepDefinition, source: String, client: HaasClientConfiguration, sweepID: String? = nil,
        progress: (@Sendable (SweepOutcome) -> Void)? = nil
    ) async throws -> SweepOutcome {
        try definition.validate(source: source)
        let sweepID = sweepID ?? UUID().uuidString.lowercased()
        return try await runs.perform("sweep run", client, started: [("sweep_id", .string(sweepID))]) {
            client, recorder, log in
            if try SweepRecord.read(sweepID, in: log).definition != nil {
                throw LedgerError.invalidArgument(
                    flag: "--id", reason: "sweep \(sweepID) exists; `haasledger sweep resume \(sweepID)` carries it on")
            }
            let script = try await ScriptService.fetchRecorded(definition.scriptID, client: client, recorder: recorder)
            try checkSpace(definition, source: source, script: script)
            try await labRunner(definition, sweepID)?.check(client: client, recorder: recorder, source: source)
            recorder.add(
                SweepPayloads.draft(
                    .sweepStarted, sweepID, [("definition", definition.json), ("budget", .number(definition.budget))]))
            try recorder.flush()
            return try await drive(
                sweepID, client: client, recorder: recorder, log: log, script: script, progress: progress)
        }
    }

    /// Carries on a sweep that was interrupted or killed, from what its events say.
    public func resume(
        sweepID: String, client: HaasClientConfiguration, progress: (@Sendable (SweepOutcome) -> Void)? = nil
    ) async throws -> SweepOutcome {
        try await runs.perform("sweep resume", client, started: [("sweep_id", .string(sweepID))]) {
            client, recorder, log in
            guard let definition = try SweepRecord.read(sweepID, in: log).definition else {
                throw SweepReads.unknown(sweepID)
            }
            let script = try await ScriptService.fetchRecorded(definition.scriptID, client: client, recorder: recorder)
            // The labs may have changed since the sweep started.
            try await labRunner(definition, sweepID)?.check(
                client: client, recorder: recorder, source: "sweep \(sweepID)'s definition")
            return try await drive(
                sweepID, client: client, recorder: recorder, log: log, script: script, progress: progress)
        }
    }

    /// Every searched input must be one of the script's, inside its range (when the script's record lists its
    /// inputs): a typo fails here, naming the key, before anything is started.
    private func checkSpace(_ definition: SweepDefinition, source: String, script: ScriptRecord) throws {
        guard let inputs = ScriptInput.inputs(of: script) else { return }
        // The same check as a single backtest's --param (names, the nearest one, ranges): the fixed inputs as
        // given, each searched input at the ends of its domain (every choice).
        var checks: [(field: String, settings: ScriptSettings)] = [("fixed", definition.settings)]
        for parameter in definition.space {
            let ends: [JSONValue] =
                switch parameter.domain {
                case .integer(let low, let high, _, _): [.number(low), .number(high)]
                case .real(let low, let high, _, _): [.optional(low), .optional(high)]
                case .choice(let values): values
                }
            var settings = ScriptSettings()
            settings.parameters = ends.map { (parameter.name, SweepParameter.text($0)) }
            checks.append(("parameters.\(parameter.name)", settings))
        }
        for check in checks {
            do {
                _ = try check.settings.scriptParameters(inputs: inputs)
            } catch LedgerError.invalidArgument(let flag, let reason) {
                let detail = check.field == "fixed" ? "\(flag): \(reason)" : reason
                throw LedgerError.invalidFile(path: source, field: check.field, reason: detail)
            }
        }
    }

    /// The runner of a sweep whose trials run on labs; nil for direct backtests.
    private func labRunner(_ definition: SweepDefinition, _ sweepID: String) -> SweepLabTrials? {
        definition.labs.isEmpty ? nil : SweepLabTrials(sweepID: sweepID, definition: definition)
    }

    /// Where a running sweep looks for a cancel request from another process (`sweep cancel`).
    static func cancelPath(_ location: LedgerLocation, _ sweepID: String) -> String {
        location.root + "/sweep-\(sweepID).cancel"
    }

    /// Ends a sweep for good. A sweep running in another process sees the request within a tenth of a second,
    /// cancels its trials in flight on the server and records its end; otherwise this command does that.
    public func cancel(sweepID: String, client configuration: HaasClientConfiguration) async throws -> SweepOutcome {
        // Read, then closed again before the recorded run opens the log for writing.
        let before = try SweepRecord.read(sweepID, in: try location.openLog(create: false, clock: clock))
        guard before.definition != nil else { throw SweepReads.unknown(sweepID) }
        if before.finished != nil { return SweepOutcome(before) }
        let path = Self.cancelPath(location, sweepID)
        guard FileManager.default.createFile(atPath: path, contents: Data()) else {
            throw LedgerError.file(path: path, reason: "cannot write the cancel request")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await runs.perform("sweep cancel", configuration, started: [("sweep_id", .string(sweepID))]) {
            client, recorder, log in
            var record = try SweepRecord.read(sweepID, in: log)
            guard record.finished == nil else { return SweepOutcome(record) }
            let labs = record.definition.flatMap { labRunner($0, sweepID) }
            for trial in record.inFlight {
                if let labs {
                    await labs.cancel(trial.number, client: client, recorder: recorder)
                    recorder.add(told(record, trial, state: "cancelled", reason: "the sweep was cancelled"))
                    record.tell(trial.number, state: "cancelled")
                    continue
                }
                let backtest = try DirectBacktestRecord.read(trial.backtestID, in: log)
                if backtest.accepted && !backtest.isOver {
                    let stopped = try? await client.cancelBacktest(
                        backtestID: trial.backtestID, serviceID: backtest.serviceID ?? "LocalService-ENT"
                    ).value
                    recorder.add(
                        DirectBacktestPayloads.cancelled(
                            trial.backtestID, reason: "sweep cancelled", serverStoppedIt: stopped))
                }
                recorder.add(told(record, trial, state: "cancelled", reason: "the sweep was cancelled"))
                record.tell(trial.number, state: "cancelled")
            }
            recorder.add(finished(record, reason: "cancelled"))
            try recorder.flush()
            return SweepOutcome(try SweepRecord.read(sweepID, in: log))
        }
    }

    /// Why the loop stopped asking, when not for its budget.
    private enum Halt: Sendable { case interrupt, cancel }

    private enum TaskResult: Sendable {
        case trial(Int, Result<BacktestOutcome, any Error>)
        case watcher
    }

    /// The loop: resumes the trials in flight, asks new ones while the budget, the time limit and the
    /// concurrency window allow, tells each result as it comes, and records the end.
    private func drive(
        _ sweepID: String, client: HaasClient, recorder: EventRecorder, log: EventLog, script: ScriptRecord,
        progress: (@Sendable (SweepOutcome) -> Void)?
    ) async throws -> SweepOutcome {
        var record = try SweepRecord.read(sweepID, in: log)
        guard let definition = record.definition else { throw SweepReads.unknown(sweepID) }
        if record.finished != nil { return SweepOutcome(record) }
        let formulas = try FormulaChoice(chosen: (definition.objective.formula, "objective.formula")).toRecord(log)
        let sampler = SweepSampler(definition: definition)
        let halt = Locked<Halt?>(nil)
        let trialStop = StopRequest()
        let cancelPath = Self.cancelPath(location, sweepID)
        let backtests = DirectBacktestService(location: location, clock: clock)
        let configuration = client.configuration
        let stopRequest = self.stopRequest
        let labs = labRunner(definition, sweepID)
        @Sendable func runTrial(_ trial: SweepRecord.Trial) async -> Result<BacktestOutcome, any Error> {
            if let labs {
                do {
                    return .success(
                        try await labs.run(
                            trial, client: client, recorder: recorder, log: log, formulas: formulas, stop: trialStop,
                            cancelsOnStop: { halt.withLock { $0 } == .cancel }))
                } catch {
                    return .failure(error)
                }
            }
            var settings = definition.settings
            if case .object(let members) = trial.parameters {
                settings.parameters += members.map { ($0.key, SweepParameter.text($0.value)) }
            }
            let request = BacktestRequest(
                client: configuration, scriptID: definition.scriptID, settings: settings, start: definition.start,
                end: definition.end, backtestID: trial.backtestID, pollInterval: definition.pollInterval)
            do {
                return .success(
                    try await backtests.execute(
                        request, backtestID: trial.backtestID, client: client, recorder: recorder, log: log,
                        formulas: formulas, stop: trialStop, cancelsOnStop: { halt.withLock { $0 } == .cancel },
                        knownScript: script, defersResultCommit: true, progress: nil))
            } catch {
                return .failure(error)
            }
        }
        let deadline = definition.timeLimit.map { record.startedAt + Int64($0 * 1_000_000) }
        var next = record.trials.count
        // The points asked so far, kept as the loop asks more (not rebuilt for every ask).
        var askedPoints = Set(record.trials.map { CanonicalJSON.string($0.parameters) })
        var failure: (any Error)?
        try await withThrowingTaskGroup(of: TaskResult.self) { group in
            group.addTask {
                // A stop (Ctrl-C, SIGTERM) or a cancel request from `sweep cancel`, seen within 0.1 s.
                while !Task.isCancelled {
                    if stopRequest.isRequested || FileManager.default.fileExists(atPath: cancelPath) {
                        let cancel = !stopRequest.isRequested
                        halt.withLock { $0 = $0 ?? (cancel ? .cancel : .interrupt) }
                        trialStop.request()
                        return .watcher
                    }
                    try? await Task.sleep(for: .milliseconds(100))
                }
                return .watcher
            }
            var running = 0
            for trial in record.inFlight {
                group.addTask { .trial(trial.number, await runTrial(trial)) }
                running += 1
            }
            while true {
                // A stop raised since the last result: seen before the next ask, not only by the watcher's poll.
                if stopRequest.isRequested {
                    halt.withLock { $0 = $0 ?? .interrupt }
                    trialStop.request()
                }
                var askedNow = false
                while halt.withLock({ $0 }) == nil, failure == nil, running < definition.concurrency,
                    next < record.budget, deadline.map({ clock.nowMicroseconds() < $0 }) ?? true,
                    let knowledge = record.knowledge(for: next, concurrency: definition.concurrency)
                {
                    askedNow = true
                    let asked = sampler.ask(next, told: knowledge, asked: askedPoints)
                    // On a lab, the server names the trial's backtest when it runs; the told event records it.
                    let trial = SweepRecord.Trial(
                        number: next,
                        backtestID: labs == nil ? SweepPayloads.backtestID(sweepID: sweepID, trial: next) : "",
                        parameters: .object(asked.parameters))
                    let place: [(key: String, value: JSONValue)] =
                        labs.map { [("backtest_id", .null), ("lab_id", .string($0.lab(for: next)))] }
                        ?? [("backtest_id", .string(trial.backtestID))]
                    recorder.add(
                        SweepPayloads.draft(
                            .sweepTrialAsked, sweepID,
                            [("trial", .number(next))] + place + [
                                ("parameters", trial.parameters), ("informed_by", .number(knowledge.count)),
                                ("method", .string(asked.method)),
                            ]))
                    // Committed with the trial's request: an ask lost in a crash is asked again, the same.
                    record.ask(trial)
                    askedPoints.insert(CanonicalJSON.string(trial.parameters))
                    next += 1
                    running += 1
                    group.addTask { .trial(trial.number, await runTrial(trial)) }
                }
                // A verdict rides with the next trial's request (committed before it starts), else is committed
                // here; lost in a crash, it is judged again on resume from the trial's recorded result.
                if !askedNow { try recorder.flush() }
                if running == 0 { break }
                guard let result = try await group.next() else { break }
                guard case .trial(let number, let outcome) = result else { continue }
                running -= 1
                guard let trial = record.index(of: number).map({ record.trials[$0] }) else { continue }
                switch outcome {
                case .success(let outcome):
                    let verdict = judge(outcome, definition: definition)
                    let ran = outcome.backtestID.isEmpty ? trial.backtestID : outcome.backtestID
                    let verdictDraft = told(
                        record, trial, state: verdict.state, objective: verdict.objective, broken: verdict.broken,
                        reason: verdict.reason, backtestID: ran)
                    // Never committed before the metrics it was judged on: a resume does not follow a told trial
                    // again, so a crash between the two would leave it without them.
                    if let runtime = outcome.deferredRuntime {
                        recorder.add(verdictDraft, afterCommitOf: runtime)
                    } else {
                        recorder.add(verdictDraft)
                    }
                    record.tell(
                        number, state: verdict.state, objective: verdict.objective, broken: verdict.broken,
                        backtestID: ran)
                case .failure(LedgerError.interrupted) where halt.withLock({ $0 }) == .cancel:
                    recorder.add(told(record, trial, state: "cancelled", reason: "the sweep was cancelled"))
                    record.tell(number, state: "cancelled")
                case .failure(LedgerError.interrupted):
                    break  // left running on the server: a resume follows it
                case .failure(let error):
                    // Not the trial's verdict (a lost connection, a script that no longer compiles): stop here and
                    // leave the trials in flight for `sweep resume`, rather than spend the budget on failures.
                    if failure == nil { failure = error }
                    trialStop.request()
                }
                progress?(SweepOutcome(record))
            }
            group.cancelAll()
        }
        if let failure { throw failure }
        let halted = halt.withLock { $0 }
        if halted == .interrupt {
            throw LedgerError.interrupted(
                "sweep \(sweepID): \(record.toldCount) of \(record.budget) trials told, \(record.inFlight.count) in flight keep running on the server; `haasledger sweep resume \(sweepID)` carries on"
            )
        }
        let reason =
            halted == .cancel
            ? "cancelled"
            : record.toldCount >= record.budget
                ? (definition.trials.map { $0 > record.budget } ?? false ? "grid exhausted" : "budget") : "time limit"
        // Every verdict first: some wait behind their trial's metrics.
        try recorder.flushAll()
        recorder.add(finished(record, reason: reason))
        try recorder.flush()
        return SweepOutcome(try SweepRecord.read(sweepID, in: log))
    }

    /// A finished backtest's verdict under the sweep's objective and constraints.
    private func judge(_ outcome: BacktestOutcome, definition: SweepDefinition)
        -> (state: String, objective: JSONValue, broken: [String], reason: String?)
    {
        let objective = definition.objective
        guard outcome.phase == "completed" else {
            return ("cancelled", .null, [], "the backtest was \(outcome.phase) on the server")
        }
        guard let values = outcome.metrics.first(where: { $0.formula == objective.formula })?.values else {
            return ("failed", .null, [], "no \(objective.formula) metrics were recorded for its runtime")
        }
        let (value, broken) = objective.judge(values)
        guard let value else {
            return (
                "failed", values[objective.metric] ?? .null, broken,
                "\(objective.metric) is undefined for this backtest"
            )
        }
        return (broken.isEmpty ? "complete" : "infeasible", StoredMetric.json(value), broken, nil)
    }

    private func told(
        _ record: SweepRecord, _ trial: SweepRecord.Trial, state: String, objective: JSONValue = .null,
        broken: [String] = [], reason: String? = nil, backtestID: String? = nil
    ) -> EventDraft {
        let backtestID = backtestID ?? trial.backtestID
        return SweepPayloads.draft(
            .sweepTrialTold, record.sweepID,
            [
                ("trial", .number(trial.number)), ("backtest_id", backtestID.isEmpty ? .null : .string(backtestID)),
                ("state", .string(state)),
                ("objective", objective), ("formula", .optional(record.definition?.objective.formula)),
                ("broken", .array(broken.map(JSONValue.string))), ("reason", .optional(reason)),
                ("told", .number(record.toldCount + 1)),
            ])
    }

    private func finished(_ record: SweepRecord, reason: String) -> EventDraft {
        let best = record.best
        return SweepPayloads.draft(
            .sweepFinished, record.sweepID,
            [
                ("reason", .string(reason)), ("told", .number(record.toldCount)),
                ("best_trial", .optional(best?.number)), ("best_objective", best?.objective ?? .null),
            ])
    }
}

extension SweepService: RecordingService {}
