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

    public static let defaultConcurrency = 4
    public static let defaultAttempts = 6

    public init(
        server: String?, email: String?, password: String?, concurrency: Int? = nil,
        politenessMilliseconds: Int? = nil, attempts: Int? = nil
    ) {
        self.server = server
        self.email = email
        self.password = password
        self.concurrency = concurrency
        self.politenessMilliseconds = politenessMilliseconds
        self.attempts = attempts
    }

    /// What is wrong with the numbers, naming the flag; nil when they can be used.
    public var problem: String? {
        if let concurrency, concurrency < 1 { return "--concurrency must be at least 1" }
        if let politenessMilliseconds, politenessMilliseconds < 0 { return "--politeness-ms cannot be negative" }
        if let attempts, attempts < 1 { return "--attempts must be at least 1" }
        return nil
    }

    /// The client's configuration, with the server and credentials resolved (flags, then the environment and
    /// `.env`, then the config file).
    public func clientConfiguration(
        environment: [String: String] = ProcessEnvironment.values,
        configuration: LedgerConfiguration = LedgerConfiguration()
    ) throws -> HaasClientConfiguration {
        let (server, credentials) = try ServerSettings.resolve(
            serverFlag: server, emailFlag: email, passwordFlag: password, environment: environment,
            configuration: configuration)
        return HaasClientConfiguration(
            server: server, credentials: credentials,
            concurrency: concurrency ?? configuration.server.concurrency ?? Self.defaultConcurrency,
            politenessDelay: .milliseconds(politenessMilliseconds ?? configuration.server.politenessMilliseconds ?? 0),
            retry: RetryPolicy(maxAttempts: attempts ?? configuration.server.attempts ?? Self.defaultAttempts))
    }
}
