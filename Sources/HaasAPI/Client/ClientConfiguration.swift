/// How the client behaves on the wire.
public struct HaasClientConfiguration: Sendable {
    public var server: HaasServer
    public var credentials: HaasCredentials
    /// Requests in flight at once.
    public var concurrency: Int
    /// Pause after each request, for servers that should not be hammered.
    public var politenessDelay: Duration
    public var retry: RetryPolicy
    /// Runtimes answer in about a second; charts and logs can take a minute (haas-api.md §1.2).
    public var shortTimeout: Duration
    public var longTimeout: Duration
    /// Told each retry before its pause, worded for a person (`retrying GET_LABS in 2.1 s (HTTP 504, attempt 2
    /// of 6)`); the CLI prints it on stderr.
    public var onRetry: (@Sendable (String) -> Void)?

    public init(
        server: HaasServer, credentials: HaasCredentials, concurrency: Int = 4, politenessDelay: Duration = .zero,
        retry: RetryPolicy = RetryPolicy(), shortTimeout: Duration = .seconds(30), longTimeout: Duration = .seconds(180),
        onRetry: (@Sendable (String) -> Void)? = nil
    ) {
        self.server = server
        self.credentials = credentials
        self.concurrency = max(1, concurrency)
        self.politenessDelay = politenessDelay
        self.retry = retry
        self.shortTimeout = shortTimeout
        self.longTimeout = longTimeout
        self.onRetry = onRetry
    }
}

/// Exponential backoff with full jitter, capped: attempt n waits a random time in [0, min(cap, base·2ⁿ⁻¹)].
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 6, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(10)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    func delay(afterAttempt attempt: Int) -> Duration {
        guard baseDelay > .zero else { return .zero }
        let ceiling = min(maxDelay, baseDelay * (1 << min(attempt - 1, 20)))
        let nanos = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        return .nanoseconds(Int64.random(in: 0...max(0, nanos)))
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
