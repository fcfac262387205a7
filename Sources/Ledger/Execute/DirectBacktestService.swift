import BacktestMetrics
import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents

/// What a direct backtest came to, as far as this command saw.
public struct BacktestOutcome: Sendable {
    public let backtestID: String
    /// accepted (with `--detach`), queued, running, completed or cancelled.
    public let phase: String
    public let progress: Double?
    public let polls: Int
    /// EXECUTE_BACKTEST replies lost and reconciled by asking the server.
    public let reconciliations: Int
    public let scriptVersion: String?
    public let runtimePosition: UInt64?
    /// Recorded by this command, by formula.
    public let metrics: [(formula: String, values: JSONValue)]
    /// When the result was left for the recorder's next commits: the runtime draft whose commit queues the
    /// metrics (what depends on them goes behind them, `EventRecorder.add(_:afterCommitOf:)`).
    var deferredRuntime: EventID? = nil
}

/// `haasledger backtest run|status|cancel|archive|tag|delete`: direct backtests, started and followed from
/// the ledger, every step recorded (DESIGN §2: the request with its client-chosen id first, then the reply,
/// each poll, the result and its metrics).
public struct DirectBacktestService: Sendable {
    public let location: LedgerLocation
    public let clock: any LedgerClock
    public var writerPolicy: WriterLock.Policy = .waitOnStandardError
    /// Honoured between polls: the backtest is cancelled on the server and the run closed as interrupted.
    public var stopRequest: StopRequest = .process

    public init(location: LedgerLocation, clock: any LedgerClock = SystemClock()) {
        self.location = location
        self.clock = clock
    }

    private var runs: RecordedRun { RecordedRun(location: location, clock: clock, writerPolicy: writerPolicy) }

    /// Starts the backtest (unless the ledger shows it already started under this id) and, unless detached,
    /// follows it to its result.
    public func run(_ request: BacktestRequest, progress: (@Sendable (BacktestProgress) -> Void)? = nil)
        async throws -> BacktestOutcome
    {
        try request.validate()
        let backtestID = request.backtestID ?? UUID().uuidString.lowercased()
        let started: [(key: String, value: JSONValue)] = [
            ("backtest_id", .string(backtestID)), ("script_id", .string(request.scriptID)),
            ("market", .string(request.settings.market)), ("detach", .bool(request.detach)),
        ]
        return try await runs.perform("backtest run", request.client, started: started) { client, recorder, log in
            try await execute(
                request, backtestID: backtestID, client: client, recorder: recorder, log: log,
                formulas: try request.formulas.toRecord(log), stop: stopRequest, progress: progress)
        }
    }

    /// `run`'s work inside a recorded run: also what each trial of a sweep does. `cancelsOnStop` decides, when
    /// a stop comes, whether the backtest is cancelled on the server or left running for a later command;
    /// `knownScript`, the script's record when the caller fetched and recorded it already (a sweep, once);
    /// `defersResultCommit`, whether the result may wait for the recorder's next commits (a sweep's).
    func execute(
        _ request: BacktestRequest, backtestID: String, client: HaasClient, recorder: EventRecorder, log: EventLog,
        formulas: [FormulaSet], stop: StopRequest, cancelsOnStop: @escaping @Sendable () -> Bool = { true },
        knownScript: ScriptRecord? = nil, defersResultCommit: Bool = false,
        progress: (@Sendable (BacktestProgress) -> Void)?
    ) async throws -> BacktestOutcome {
        var record = try DirectBacktestRecord.read(backtestID, in: log)
        var reconciliations = 0
        if record.isOver || record.accepted {
            // Started before under this id: follow it, never start it again (if it is the same request).
            if let earlier = record.requested {
                let asked = JSONValue.object(try request.settings.scriptParameters(inputs: nil))
                guard earlier["script_id"] == .string(request.scriptID),
                    earlier["parameters"].map(CanonicalJSON.string) == CanonicalJSON.string(asked),
                    earlier["start"] == .number(request.start), earlier["end"] == .number(request.end)
                else {
                    throw LedgerError.invalidArgument(
                        flag: "--id", reason: "backtest \(backtestID) was requested before with other settings")
                }
            }
        } else {
            reconciliations = try await start(
                request, backtestID: backtestID, record: &record, client: client, recorder: recorder,
                knownScript: knownScript)
        }
        if request.detach || record.isOver {
            return BacktestOutcome(
                backtestID: backtestID, phase: record.endPhase ?? "accepted", progress: record.lastProgress,
                polls: record.polls, reconciliations: reconciliations, scriptVersion: record.scriptVersion,
                runtimePosition: record.runtimePosition, metrics: record.metrics)
        }
        var follower = BacktestFollower(
            client: client, recorder: recorder, log: log, formulas: formulas, stop: stop,
            pollInterval: request.pollInterval, progress: progress)
        follower.cancelsOnStop = cancelsOnStop
        follower.defersResultCommit = defersResultCommit
        let outcome = try await follower.follow(backtestID, record: record)
        return BacktestOutcome(
            backtestID: backtestID, phase: outcome.phase.rawValue, progress: outcome.progress, polls: outcome.polls,
            reconciliations: reconciliations, scriptVersion: record.scriptVersion,
            runtimePosition: outcome.runtimePosition, metrics: outcome.metrics,
            deferredRuntime: outcome.deferredRuntime)
    }

    /// The script's record (its version and inputs), then the request, committed before it is sent, then
    /// the start itself. Returns how many lost replies were reconciled.
    private func start(
        _ request: BacktestRequest, backtestID: String, record: inout DirectBacktestRecord, client: HaasClient,
        recorder: EventRecorder, knownScript: ScriptRecord?
    ) async throws -> Int {
        // Recorded with the request below, before anything is sent.
        let script: ScriptRecord =
            if let knownScript { knownScript } else {
                try await ScriptService.fetchRecorded(request.scriptID, client: client, recorder: recorder)
            }
        if script.compiled == false {
            // Where it fails, compiler-style, from a debug run (recorded like `script debug`'s).
            let debug = try? await client.debugTest(scriptID: request.scriptID, scriptType: script.type ?? 0)
            let result = debug.map { DebugResult(script: script, messages: $0.value) }
            if let debug, let result {
                recorder.add(
                    ScriptService.ran(
                        .scriptDebugged, result, settings: .object([]), bodyHash: Blob(debug.body).hash.hex, extra: []))
            }
            let lines = result.map { $0.errors.isEmpty ? [] : ScriptPresentation.debugLines($0) } ?? []
            throw LedgerError.partialFailure(
                (lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n")
                    + "script \(request.scriptID) (\(script.name ?? "unnamed")) does not compile; nothing was started"
            )
        }
        let parameters = try request.settings.scriptParameters(inputs: ScriptInput.inputs(of: script))
        let settings = request.settings.settings(scriptParameters: parameters)
        if let earlier = record.requested {
            // The log holds the settings canonical (members sorted): compare them as bytes, not member by member.
            guard earlier["settings"].map(CanonicalJSON.string) == CanonicalJSON.string(settings),
                earlier["script_id"] == .string(request.scriptID),
                earlier["start"] == .number(request.start), earlier["end"] == .number(request.end)
            else {
                throw LedgerError.invalidArgument(
                    flag: "--id", reason: "backtest \(backtestID) was requested before with other settings")
            }
            // A run that stopped between the request and the reply: ask before sending it again.
            if let info = try? await client.backtestInfo(backtestID: backtestID) {
                recorder.add(
                    DirectBacktestPayloads.draft(
                        .backtestReconciled, backtestID,
                        [
                            ("failure", .string("an earlier run stopped before the server's reply was recorded")),
                            ("found", .bool(true)),
                            ("answer", .string("status \(info.value.status.map(String.init) ?? "unknown")")),
                        ]))
                recorder.add(
                    DirectBacktestPayloads.draft(
                        .backtestAccepted, backtestID,
                        [("service_id", .null), ("requests", .number(0)), ("reconciled", .bool(true))]))
                try recorder.flush()
                record.accepted = true
                return 1
            }
        } else {
            let requested = DirectBacktestPayloads.draft(
                .backtestRequested, backtestID,
                [
                    ("script_id", .string(request.scriptID)), ("script_version", .optional(script.version)),
                    ("settings", settings), ("parameters", .object(parameters)), ("start", .number(request.start)),
                    ("end", .number(request.end)),
                ])
            recorder.add(requested)
            try recorder.flush()
            record.requested = try requested.payload.json
        }
        let started: BacktestStart
        do {
            started = try await client.executeBacktest(
                backtestID: backtestID, scriptID: request.scriptID, settings: CanonicalJSON.string(settings),
                start: request.start, end: request.end)
        } catch {
            recorder.add(DirectBacktestPayloads.failed(backtestID, stage: "start", error))
            try recorder.flush()
            throw error
        }
        for reconciliation in started.reconciliations {
            recorder.add(
                DirectBacktestPayloads.draft(
                    .backtestReconciled, backtestID,
                    [
                        ("failure", .string(reconciliation.failure)), ("found", .bool(reconciliation.found)),
                        ("answer", .string(reconciliation.answer)),
                    ]))
        }
        recorder.add(
            DirectBacktestPayloads.draft(
                .backtestAccepted, backtestID,
                [
                    ("service_id", .optional(started.serviceID)), ("requests", .number(started.requests)),
                    ("reconciled", .bool(started.serviceID == nil)),
                ]))
        // Committed with the first poll (or the run's end): lost, it is reconciled by asking about the id.
        record.accepted = true
        record.serviceID = started.serviceID
        return started.reconciliations.count
    }

    /// Asks the server where a direct backtest is and records it; `wait` follows it to its end. A completed
    /// backtest whose runtime the ledger lacks gets it recorded, with its metrics.
    public func status(
        backtestID: String, client configuration: HaasClientConfiguration, wait: Bool, pollInterval: Duration,
        formulas choice: FormulaChoice, progress: (@Sendable (BacktestProgress) -> Void)? = nil
    ) async throws -> BacktestOutcome {
        try await runs.perform(
            "backtest status", configuration, started: [("backtest_id", .string(backtestID))]
        ) { client, recorder, log in
            let record = try DirectBacktestRecord.read(backtestID, in: log)
            let follower = BacktestFollower(
                client: client, recorder: recorder, log: log, formulas: try choice.toRecord(log), stop: stopRequest,
                pollInterval: pollInterval, progress: progress)
            let outcome = try await follower.follow(backtestID, record: record, once: !wait)
            return BacktestOutcome(
                backtestID: backtestID, phase: outcome.phase.rawValue, progress: outcome.progress, polls: outcome.polls,
                reconciliations: 0, scriptVersion: record.scriptVersion, runtimePosition: outcome.runtimePosition,
                metrics: outcome.metrics)
        }
    }

    /// The accounts the server offers for backtests (`GET_BACKTEST_ACCOUNTS`), recorded.
    public func accounts(client configuration: HaasClientConfiguration) async throws -> ResultTable {
        try await runs.perform("backtest accounts", configuration) { client, _, _ in
            let accounts = try await client.backtestAccounts().value
            return ResultTable(
                columns: ["account_id", "name", "exchange"],
                rows: accounts.map { [.text($0.accountID), .init($0.name), .init($0.exchange)] })
        }
    }

    /// What `backtest archive|unarchive|tag|delete|cancel` asks of the server.
    public enum Change: Sendable, Equatable {
        case cancel
        case archive(Bool)
        case tag(String)
        case delete

        var action: String {
            switch self {
            case .cancel: "cancel"
            case .archive(let keep): keep ? "archive" : "unarchive"
            case .tag: "tag"
            case .delete: "delete"
            }
        }
    }

    /// Sends one change and records it. Returns the server's answer (false: nothing to change, e.g. a cancel
    /// of a backtest that had already ended).
    public func change(_ change: Change, backtestID: String, client configuration: HaasClientConfiguration)
        async throws -> Bool
    {
        try await runs.perform(
            "backtest \(change.action)", configuration, started: [("backtest_id", .string(backtestID))]
        ) { client, recorder, log in
            let record = try DirectBacktestRecord.read(backtestID, in: log)
            let answer: Bool
            switch change {
            case .cancel:
                answer = try await client.cancelBacktest(
                    backtestID: backtestID, serviceID: record.serviceID ?? "LocalService-ENT"
                ).value
                recorder.add(DirectBacktestPayloads.cancelled(backtestID, reason: "asked", serverStoppedIt: answer))
            case .archive(let keep):
                answer = try await client.archiveBacktest(backtestID: backtestID, archived: keep).value
            case .tag(let tag):
                answer = try await client.tagBacktest(backtestID: backtestID, tag: tag).value
            case .delete:
                answer = try await client.deleteBacktest(backtestID: backtestID).value
            }
            if change != .cancel {
                let tag: JSONValue = if case .tag(let text) = change { .string(text) } else { .null }
                recorder.add(
                    DirectBacktestPayloads.draft(
                        .backtestChanged, backtestID,
                        [("action", .string(change.action)), ("tag", tag), ("accepted", .bool(answer))]))
            }
            return answer
        }
    }
}
