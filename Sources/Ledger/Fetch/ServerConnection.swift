import HaasAPI

/// How to reach a Trade Server, as a command was asked: flags, resolved against the environment, `.env` and the
/// config file by `ServerSettings`.
public struct ServerConnection: Sendable {
    public var server: String?
    public var email: String?
    public var password: String?
    /// Nil: the config file's, else the built-in default.
    public var concurrency: Int?
    public var politenessMilliseconds: Int?
    public var attempts: Int?
    /// Seconds to wait for one answer (nil: the config file's, else 30; logs and charts get at least 180).
    public var timeoutSeconds: Double?

    public static let defaultConcurrency = 4
    public static let defaultAttempts = 6

    public init(
        server: String?, email: String?, password: String?, concurrency: Int? = nil,
        politenessMilliseconds: Int? = nil, attempts: Int? = nil, timeoutSeconds: Double? = nil
    ) {
        self.server = server
        self.email = email
        self.password = password
        self.concurrency = concurrency
        self.politenessMilliseconds = politenessMilliseconds
        self.attempts = attempts
        self.timeoutSeconds = timeoutSeconds
    }

    /// What is wrong with the numbers, naming the flag; nil when they can be used.
    public var problem: String? {
        if let concurrency, concurrency < 1 { return "--concurrency must be at least 1" }
        if let politenessMilliseconds, politenessMilliseconds < 0 { return "--politeness-ms cannot be negative" }
        if let attempts, attempts < 1 { return "--attempts must be at least 1" }
        if let timeoutSeconds, !(timeoutSeconds > 0 && timeoutSeconds <= 86_400) {
            return "--timeout must be more than 0 and at most 86400 seconds"
        }
        return nil
    }

    /// The client's configuration, with the server and credentials resolved (flags, then the environment and
    /// `.env`, then the config file). Retries are announced through `announce`.
    public func clientConfiguration(
        environment: [String: String] = ProcessEnvironment.values,
        configuration: LedgerConfiguration = LedgerConfiguration(),
        announce: (@Sendable (String) -> Void)? = { StandardError.write($0) }
    ) throws -> HaasClientConfiguration {
        let (server, credentials) = try ServerSettings.resolve(
            serverFlag: server, emailFlag: email, passwordFlag: password, environment: environment,
            configuration: configuration)
        let timeout = (timeoutSeconds ?? configuration.server.timeoutSeconds).map { Duration.milliseconds(Int($0 * 1000)) }
        return HaasClientConfiguration(
            server: server, credentials: credentials,
            concurrency: concurrency ?? configuration.server.concurrency ?? Self.defaultConcurrency,
            politenessDelay: .milliseconds(politenessMilliseconds ?? configuration.server.politenessMilliseconds ?? 0),
            retry: RetryPolicy(maxAttempts: attempts ?? configuration.server.attempts ?? Self.defaultAttempts),
            shortTimeout: timeout ?? .seconds(30), longTimeout: max(timeout ?? .zero, .seconds(180)),
            onRetry: announce)
    }
}
