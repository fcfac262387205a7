import HaasSimulator

/// The simulator helper shipped with HaasSimulator, under the name these tests use.
func withRunningSimulator<R>(
    _ configuration: SimulatorConfiguration = SimulatorConfiguration(),
    _ body: (SimulatorServer) async throws -> R
) async throws -> R {
    try await SimulatorServer.withRunning(configuration, body)
}
