import Foundation
import HaasAPI
import Platform
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback socket that listens but never accepts: the kernel completes connections into its backlog, so
/// a client connects and then hears nothing. `port` 0 asks for a free port; closing it frees the port.
final class SilentListener: @unchecked Sendable {
    let descriptor: Int32
    let port: Int

    init(listening: Bool) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else {
            close(descriptor)
            throw POSIXError(.EADDRINUSE)
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        if listening { listen(descriptor, 16) }
    }

    deinit { close(descriptor) }
}

/// Network failures are quick, announced and worded plainly (issue 15 #6).
@Suite struct NetworkFailureTests {
    func client(port: Int, timeout: Duration, announced: Locked<[String]>, log: ExchangeLog) -> HaasClient {
        HaasClient(
            configuration: HaasClientConfiguration(
                server: HaasServer(host: "127.0.0.1", port: port),
                credentials: HaasCredentials(email: "a@b.invalid", password: "p"),
                retry: RetryPolicy(maxAttempts: 6, baseDelay: .zero), shortTimeout: timeout,
                onRetry: { message in announced.withLock { $0.append(message) } }),
            observer: log)
    }

    @Test func aRefusedConnectionFailsAfterAShortBoundedRetryAndSaysSo() async throws {
        // Bound but not listening: connecting is refused.
        let closed = try SilentListener(listening: false)
        let announced = Locked<[String]>([])
        let log = ExchangeLog()
        let client = client(port: closed.port, timeout: .seconds(5), announced: announced, log: log)
        do {
            _ = try await client.labs()
            Issue.record("a closed port answered")
        } catch {
            #expect("\(error)".contains("connection refused (is the server running, and is the port right?)"))
        }
        try await client.shutdown()
        #expect(log.exchanges.count == 3, "three attempts, not six")
        #expect(
            announced.withLock { $0 }.map { $0.replacingOccurrences(of: #"in [0-9.]+ s"#, with: "in … s", options: .regularExpression) }
                == [
                    "retrying LOGIN_WITH_CREDENTIALS in … s (connection refused, attempt 2 of 3)",
                    "retrying LOGIN_WITH_CREDENTIALS in … s (connection refused, attempt 3 of 3)",
                ])
    }

    @Test func aServerThatNeverAnswersTimesOutAfterTheTimeoutAskedFor() async throws {
        let silent = try SilentListener(listening: true)
        let announced = Locked<[String]>([])
        let log = ExchangeLog()
        var configuration = HaasClientConfiguration(
            server: HaasServer(host: "127.0.0.1", port: silent.port),
            credentials: HaasCredentials(email: "a@b.invalid", password: "p"),
            retry: RetryPolicy(maxAttempts: 2, baseDelay: .zero), shortTimeout: .seconds(1))
        configuration.onRetry = { message in announced.withLock { $0.append(message) } }
        let client = HaasClient(configuration: configuration, observer: log)
        do {
            _ = try await client.labs()
            Issue.record("a silent server answered")
        } catch {
            #expect("\(error)".contains("no answer in time"))
        }
        try await client.shutdown()
        #expect(log.exchanges.count == 2)
        #expect(announced.withLock { $0 }.count == 1)
        #expect(announced.withLock { $0 }.first?.contains("(no answer in time, attempt 2 of 2)") == true)
    }
}
