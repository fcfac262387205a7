import Foundation
import HaasAPI
import HaasSimulator

/// Collects every exchange the client reports.
final class ExchangeLog: HaasExchangeObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var items: [HaasExchange] = []

    func record(_ exchange: HaasExchange) {
        lock.lock()
        items.append(exchange)
        lock.unlock()
    }

    var exchanges: [HaasExchange] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}

/// A simulator on an ephemeral loopback port and a client for it, without retry delays (tests never sleep).
func withSimulator<R>(
    _ configuration: SimulatorConfiguration = SimulatorConfiguration(),
    retry: RetryPolicy = RetryPolicy(maxAttempts: 8, baseDelay: .zero),
    concurrency: Int = 4,
    _ body: (HaasClient, SimulatorServer, ExchangeLog) async throws -> R
) async throws -> R {
    try await SimulatorServer.withRunning(configuration) { server in
        try await withClient(of: server, configuration, retry: retry, concurrency: concurrency, body)
    }
}

/// A client of `server` without retry delays, shut down before this returns.
private func withClient<R>(
    of server: SimulatorServer, _ configuration: SimulatorConfiguration, retry: RetryPolicy, concurrency: Int,
    _ body: (HaasClient, SimulatorServer, ExchangeLog) async throws -> R
) async throws -> R {
    let log = ExchangeLog()
    let client = HaasClient(
        configuration: HaasClientConfiguration(
            server: HaasServer(host: "127.0.0.1", port: server.port),
            credentials: HaasCredentials(email: configuration.email, password: configuration.password),
            concurrency: concurrency, retry: retry),
        observer: log)
    do {
        let result = try await body(client, server, log)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}
