import EventLog
import HaasAPI
import JSON
import LedgerEvents

/// A command that talks to the server, as a recorded run: the writer lock, `run.started`, every exchange,
/// and `run.finished` with the error if there was one (also recorded as `fetch.failed`), or
/// `interrupted: true` when a stop was asked for (then `LedgerError.interrupted` is thrown on, exit 130).
struct RecordedRun {
    let location: LedgerLocation
    let clock: any LedgerClock
    let writerPolicy: WriterLock.Policy

    func perform<R: Sendable>(
        _ command: String, _ configuration: HaasClientConfiguration,
        started: [(key: String, value: JSONValue)] = [],
        _ body: (HaasClient, EventRecorder, EventLog) async throws -> R
    ) async throws -> R {
        let lock = try WriterLock.acquire(location, command: command, policy: writerPolicy)
        defer { withExtendedLifetime(lock) {} }
        let log = try location.openLog(create: true, clock: clock)
        let runID = EventID.generate()
        let server = configuration.server.description
        let recorder = EventRecorder(log: log, correlationID: runID, source: server)
        recorder.add(
            EventDraft(
                .runStarted, stream: RecorderStreams.run(runID),
                payload: Payload(.object([("command", .string(command)), ("server", .string(server))] + started)),
                expectedVersion: 0))
        try recorder.flush()
        let client = HaasClient(configuration: configuration, observer: recorder)
        let outcome: Result<R, any Error>
        do {
            outcome = .success(try await body(client, recorder, log))
        } catch {
            outcome = .failure(error)
            if case LedgerError.interrupted = error {
            } else {
                recorder.add(
                    FetchPayloads.failure(channel: command, lab: nil, backtest: nil, error: error, server: server))
            }
        }
        try? await client.shutdown()
        var finished: [(key: String, value: JSONValue)] = [("command", .string(command))]
        switch outcome {
        case .failure(LedgerError.interrupted): finished.append(("interrupted", .bool(true)))
        case .failure(let error): finished.append(("error", .string(String(describing: error))))
        case .success: finished.append(("error", .null))
        }
        // What the run recorded, itself included (counted as far as it got, should the disk be full).
        try? recorder.flushAll()
        finished.append(("events", .number(recorder.snapshot.events + 1)))
        recorder.add(EventDraft(.runFinished, stream: RecorderStreams.run(runID), payload: Payload(.object(finished))))
        try recorder.flush()
        return try outcome.get()
    }
}

/// A service whose commands record: made for a ledger and told what to do when another writer holds it.
public protocol RecordingService {
    init(location: LedgerLocation, clock: any LedgerClock)
    var writerPolicy: WriterLock.Policy { get set }
}

extension RecordingService {
    public static func make(location: LedgerLocation, clock: any LedgerClock, writerPolicy: WriterLock.Policy) -> Self {
        var service = Self(location: location, clock: clock)
        service.writerPolicy = writerPolicy
        return service
    }
}

extension ScriptService: RecordingService {}
extension DirectBacktestService: RecordingService {}
extension LabService: RecordingService {}
