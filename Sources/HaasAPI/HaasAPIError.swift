/// Why a call to the server failed, with the channel it concerned.
public enum HaasAPIError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalidServerURL(String, reason: String)
    /// The envelope said `Success: false`.
    case serverRefused(channel: String, message: String)
    /// The body was not the JSON the channel should return (HTML, truncated or malformed JSON, a wrong shape).
    case protocolViolation(channel: String, httpStatus: Int, reason: String)
    /// An HTTP status that is not 200, after retries where it was worth retrying.
    case httpStatus(channel: String, status: Int)
    /// The connection failed or timed out, after retries.
    case transport(channel: String, TransportFailure)
    /// Logging in failed at `step`.
    case loginFailed(step: String, message: String)

    public var description: String {
        switch self {
        case let .invalidServerURL(url, reason): return "invalid server URL '\(url)': \(reason)"
        case let .serverRefused(channel, message): return "\(channel): the server answered Success=false: \(message)"
        case let .protocolViolation(channel, status, reason):
            return "\(channel): protocol error (HTTP \(status)): \(reason)"
        case let .httpStatus(channel, status): return "\(channel): HTTP \(status)"
        case let .transport(channel, failure): return "\(channel): \(failure)"
        case let .loginFailed(step, message): return "login failed at \(step): \(message)"
        }
    }

    /// The channel the error concerns, when it concerns one.
    var channel: String? {
        switch self {
        case .serverRefused(let channel, _), .protocolViolation(let channel, _, _), .httpStatus(let channel, _),
            .transport(let channel, _):
            return channel
        case .invalidServerURL, .loginFailed: return nil
        }
    }

    /// The description without the leading "CHANNEL: ".
    var detail: String {
        guard let channel, description.hasPrefix(channel + ": ") else { return description }
        return String(description.dropFirst(channel.count + 2))
    }

    /// Worth another attempt: gateway and server errors, rate limits, connection trouble and garbled bodies.
    var isTransient: Bool {
        switch self {
        case .httpStatus(_, let status): return status >= 500 || status == 429
        case .transport, .protocolViolation: return true
        case .serverRefused, .invalidServerURL, .loginFailed: return false
        }
    }

    /// How many attempts a failure of this kind is worth, out of the policy's: nothing listening at the address
    /// is not going to change in the next seconds, so a refused connection gets a short bounded retry.
    func attemptsWorth(_ policy: RetryPolicy) -> Int {
        if case .transport(_, .connectionRefused) = self { return min(policy.maxAttempts, 3) }
        return policy.maxAttempts
    }

    /// The reason in a retry announcement: `HTTP 504`, `no answer in time`, `garbled reply`.
    var retryReason: String {
        switch self {
        case .httpStatus(_, let status): return "HTTP \(status)"
        case .transport(_, let failure): return failure.brief
        case .protocolViolation(_, let status, _): return "garbled reply, HTTP \(status)"
        default: return detail
        }
    }

    /// A refusal that reads like an expired or missing session, which a fresh login cures.
    var looksLikeAuthentication: Bool {
        guard case .serverRefused(_, let message) = self else { return false }
        let text = message.lowercased()
        return ["auth", "login", "logged", "session", "interface key", "interfacekey", "permission", "token"]
            .contains { text.contains($0) }
    }
}
