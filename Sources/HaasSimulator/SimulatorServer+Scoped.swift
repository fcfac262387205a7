extension SimulatorServer {
    /// A simulator on an ephemeral loopback port for the duration of `body`, stopped before this returns whether
    /// `body` returns or throws (the scoped style of HummingbirdTesting's `app.test { … }`): what the tests and the
    /// demo use, so nothing they start outlives them.
    public static func withRunning<R>(
        _ configuration: SimulatorConfiguration = SimulatorConfiguration(),
        _ body: (SimulatorServer) async throws -> R
    ) async throws -> R {
        let server = try await start(configuration: configuration)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }
}
