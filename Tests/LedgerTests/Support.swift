import EventLog
import HaasSimulator
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

/// A simulator on an ephemeral loopback port for the duration of `body`, stopped before this returns, whether
/// `body` returns or throws (the scoped style of HummingbirdTesting's `test(_:_:)`).
func withRunningSimulator<R>(
    _ configuration: SimulatorConfiguration = SimulatorConfiguration(),
    _ body: (SimulatorServer) async throws -> R
) async throws -> R {
    let server = try await SimulatorServer.start(configuration: configuration)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
