import EventLog
import HaasAPI
import HaasSimulator
import JSON
import Ledger

extension LedgerLocation {
    /// Every event in the log (of one type when given), in position order.
    func recordedEvents(_ type: String? = nil) throws -> [RecordedEvent] {
        try openLog(create: false).read { reader in
            var events: [RecordedEvent] = []
            try reader.forEachEvent { event in
                if type == nil || event.type == type { events.append(event) }
                return true
            }
            return events
        }
    }
}

extension LedgerLocation {
    /// What a recording command killed outright leaves: its `run.started` (no `run.finished`) and one runtime it
    /// recorded without metrics. Returns the run's id.
    func recordKilledRun(_ command: String, world: SimulatedWorld) throws -> EventID {
        let lab = world.labs[0]
        let blob = Blob(PyHaasCacheWriter(world: world).runtimeData(lab: lab, backtest: lab.backtests[0]))
        let run = EventID.generate()
        try openLog(create: true).append([
            EventDraft(
                stream: "run:\(run)", type: "run.started", payload: Payload(.object([("command", .string(command))])),
                correlationID: run),
            EventDraft(
                stream: "backtest:\(lab.backtests[0].id)", type: "haas.backtest.runtime.fetched",
                payload: Payload(
                    .object([
                        ("lab_id", .string(lab.id)), ("backtest_id", .string(lab.backtests[0].id)),
                        ("body_sha256", .string(blob.hash.hex)),
                    ])), correlationID: run, blobs: [blob]),
        ])
        return run
    }

    /// The same run, closed with an error (the disk filled up between its runtime and their metrics).
    func recordFailedRun(_ command: String, world: SimulatedWorld) throws -> EventID {
        let run = try recordKilledRun(command, world: world)
        try openLog(create: false).append(
            EventDraft(
                stream: "run:\(run)", type: "run.finished",
                payload: Payload(.object([("command", .string(command)), ("error", .string("the disk is full"))])),
                correlationID: run))
        return run
    }
}

/// The simulator helper shipped with HaasSimulator, under the name these tests use.
func withRunningSimulator<R>(
    _ configuration: SimulatorConfiguration = SimulatorConfiguration(),
    _ body: (SimulatorServer) async throws -> R
) async throws -> R {
    try await SimulatorServer.withRunning(configuration, body)
}

extension SimulatorServer {
    /// A client of this simulator, logged in as its own user, retrying without waits.
    func testClient(attempts: Int = 2) -> HaasClientConfiguration {
        HaasClientConfiguration(
            server: HaasServer(host: "127.0.0.1", port: port),
            credentials: HaasCredentials(email: world.configuration.email, password: world.configuration.password),
            retry: RetryPolicy(maxAttempts: attempts, baseDelay: .zero))
    }
}
