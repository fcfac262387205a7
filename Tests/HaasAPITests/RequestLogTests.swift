import EventLogTesting
import Foundation
import HaasAPI
import HaasSimulator
import Testing

/// `simulate --request-log`: every request that reached the server, credentials left out (issue 12 §4).
@Suite struct RequestLogTests {
    @Test func everyRequestIsLoggedWithoutCredentials() async throws {
        let directory = try TemporaryDirectory(prefix: "haasledger-requests")
        let path = directory.appending("requests.ndjson")
        let configuration = SimulatorConfiguration(seed: 3, labs: 1, backtestsPerLab: 2)
        let server = try await SimulatorServer.start(configuration: configuration, requestLog: try RequestLog(path: path))
        let client = HaasClient(
            configuration: HaasClientConfiguration(
                server: HaasServer(host: "127.0.0.1", port: server.port),
                credentials: HaasCredentials(email: configuration.email, password: configuration.password),
                retry: RetryPolicy(maxAttempts: 2, baseDelay: .zero)),
            observer: ExchangeLog())
        let labs = try await client.labs().value
        _ = try await client.scripts()
        try await client.shutdown()
        await server.stop()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(
            lines.map { $0.components(separatedBy: #""channel":""#)[1].prefix { $0 != "\"" } } == [
                "LOGIN_WITH_CREDENTIALS", "LOGIN_WITH_ONE_TIME_CODE", "GET_LABS", "GET_ALL_SCRIPT_ITEMS",
            ])
        #expect(labs.count == 1)
        for secret in [configuration.email, configuration.password] + server.interfaceKeys {
            #expect(!lines.joined().contains(secret), "a credential reached the request log")
        }
        #expect(lines[2].hasPrefix(#"{"endpoint":"/LabsAPI.php","channel":"GET_LABS","parameters":{"#))
    }
}
