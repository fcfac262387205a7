import EventLog
import HaasAPI
import JSON
import LedgerEvents

/// `haasledger watch`: polls a lab's execution until it completes or is cancelled, recording every poll's
/// exchange and, whenever status, progress or counts change, a `haas.lab.execution.updated` event.
public struct WatchService: Sendable {
    public let location: LedgerLocation
    public let clock: any LedgerClock

    /// What to do when another command is writing to the ledger.
    public var writerPolicy: WriterLock.Policy = .waitOnStandardError
    /// Honoured between polls: the run is closed as interrupted.
    public var stopRequest: StopRequest = .process

    public init(location: LedgerLocation, clock: any LedgerClock = SystemClock()) {
        self.location = location
        self.clock = clock
    }

    public struct Summary: Sendable, Equatable {
        public var polls = 0
        public var changes = 0
        public var finalStatus: Int?
    }

    /// - Parameters:
    ///   - interval: time between polls (zero in tests, which never sleep).
    ///   - maxPolls: stop after this many polls even if the lab is still running.
    public func run(
        client configuration: HaasClientConfiguration, labID: String, interval: Duration,
        maxPolls: Int = .max, onChange: (@Sendable (LabExecutionUpdate) -> Void)? = nil
    ) async throws -> Summary {
        let lock = try WriterLock.acquire(location, command: "watch", policy: writerPolicy)
        defer { withExtendedLifetime(lock) {} }
        let log = try location.openLog(create: true, clock: clock)
        let runID = EventID.generate()
        let server = configuration.server.description
        let recorder = EventRecorder(log: log, correlationID: runID, source: server)
        recorder.add(
            EventDraft(
                .runStarted, stream: RecorderStreams.run(runID), payload: Payload(
                    .object([("command", .string("watch")), ("server", .string(server)), ("lab", .string(labID))])),
                expectedVersion: 0))
        let client = HaasClient(configuration: configuration, observer: recorder)
        var summary = Summary()
        var last: (Int?, Double?, Int?)?
        var failure: (any Error)?
        do {
            while summary.polls < maxPolls {
                try stopRequest.check("watch of lab \(labID) stopped after \(summary.polls) polls")
                let update = try await client.labExecutionUpdate(labID: labID).value
                summary.polls += 1
                let state = (update.status, update.progress, update.completedBacktests)
                if last == nil || last! != state {
                    summary.changes += 1
                    recorder.add(FetchPayloads.execution(update, lab: labID))
                    onChange?(update)
                }
                last = state
                summary.finalStatus = update.status
                try recorder.flush()
                if update.isFinished { break }
                if interval > .zero { try await Task.sleep(for: interval) }
            }
        } catch LedgerError.interrupted(let progress) {
            failure = LedgerError.interrupted(progress)
        } catch {
            failure = error
            recorder.add(
                FetchPayloads.failure(
                    channel: "GET_LAB_EXECUTION_UPDATE", lab: labID, backtest: nil, error: error, server: server))
        }
        let interrupted: Bool = if case LedgerError.interrupted? = failure { true } else { false }
        try? await client.shutdown()
        recorder.add(
            EventDraft(
                .runFinished, stream: RecorderStreams.run(runID), payload: Payload(
                    .object([
                        ("polls", .number(summary.polls)), ("changes", .number(summary.changes)),
                        ("final_status", .optional(summary.finalStatus)),
                        interrupted
                            ? ("interrupted", .bool(true)) : ("error", .optional(failure.map { String(describing: $0) })),
                    ]))))
        try recorder.flush()
        if let failure { throw failure }
        return summary
    }
}

/// `haasledger history-status`: records `GET_HISTORY_STATUS` and one event per market.
public struct HistoryStatusService: Sendable {
    public let location: LedgerLocation
    public let clock: any LedgerClock

    /// What to do when another command is writing to the ledger.
    public var writerPolicy: WriterLock.Policy = .waitOnStandardError

    public init(location: LedgerLocation, clock: any LedgerClock = SystemClock()) {
        self.location = location
        self.clock = clock
    }

    public func run(client configuration: HaasClientConfiguration) async throws -> [HistoryStatusEntry] {
        let lock = try WriterLock.acquire(location, command: "history-status", policy: writerPolicy)
        defer { withExtendedLifetime(lock) {} }
        let log = try location.openLog(create: true, clock: clock)
        let runID = EventID.generate()
        let server = configuration.server.description
        let recorder = EventRecorder(log: log, correlationID: runID, source: server)
        let client = HaasClient(configuration: configuration, observer: recorder)
        do {
            let reply = try await client.historyStatus()
            let hash = Blob(reply.body).hash.hex
            let entries = reply.value.values.sorted { $0.market < $1.market }
            for entry in entries { recorder.add(FetchPayloads.historyStatus(entry, bodyHash: hash)) }
            try await client.shutdown()
            try recorder.flush()
            return entries
        } catch {
            try? await client.shutdown()
            recorder.add(
                FetchPayloads.failure(
                    channel: "GET_HISTORY_STATUS", lab: nil, backtest: nil, error: error, server: server))
            try recorder.flush()
            throw error
        }
    }
}
