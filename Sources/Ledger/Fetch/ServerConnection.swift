import HaasAPI

/// How to reach a Trade Server, as a command was asked: flags, resolved against the environment and `.env`
/// by `ServerSettings`.
public struct ServerConnection: Sendable {
    public var server: String?
    public var email: String?
    public var password: String?
    public var concurrency: Int
    public var politenessMilliseconds: Int
    public var attempts: Int

    public init(
        server: String?, email: String?, password: String?, concurrency: Int = 4, politenessMilliseconds: Int = 0,
        attempts: Int = 6
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
        if concurrency < 1 { return "--concurrency must be at least 1" }
        if politenessMilliseconds < 0 { return "--politeness-ms cannot be negative" }
        if attempts < 1 { return "--attempts must be at least 1" }
        return nil
    }

    /// The client's configuration, with the server and credentials resolved.
    public func clientConfiguration(environment: [String: String] = ProcessEnvironment.values) throws
        -> HaasClientConfiguration
    {
        let (server, credentials) = try ServerSettings.resolve(
            serverFlag: server, emailFlag: email, passwordFlag: password, environment: environment)
        return HaasClientConfiguration(
            server: server, credentials: credentials, concurrency: concurrency,
            politenessDelay: .milliseconds(politenessMilliseconds), retry: RetryPolicy(maxAttempts: attempts))
    }
}
