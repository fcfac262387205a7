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

/// The simulator helper shipped with HaasSimulator, under the name these tests use.
func withRunningSimulator<R>(
    _ configuration: SimulatorConfiguration = SimulatorConfiguration(),
    _ body: (SimulatorServer) async throws -> R
) async throws -> R {
    try await SimulatorServer.withRunning(configuration, body)
}
