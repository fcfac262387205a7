import Foundation

/// What asking the server after an unknown outcome showed.
enum StartAnswer<Value: Sendable>: Sendable {
    /// It happened: here is what it made; nothing is sent again.
    case happened(Value, answer: String)
    /// It provably did not: the call may be sent again.
    case didNotHappen(answer: String)
}

extension HaasClient {
    /// Sends a call that starts something (`EXECUTE_BACKTEST`, `CREATE_LAB`, `CLONE_LAB`,
    /// `START_LAB_EXECUTION`) without the usual blind retries. After a failure that leaves open whether the
    /// server acted (a timeout, a 5xx, a garbled reply), `ask` finds out; only what provably did not happen
    /// is sent again. A refused connection reached no server, so it is sent again without asking.
    func startOnce<Value: Sendable>(
        channel: String, send: () async throws -> Value, ask: (HaasAPIError) async throws -> StartAnswer<Value>,
        happened: (String) -> String
    ) async throws -> (value: Value, reconciliations: [BacktestStart.Reconciliation], requests: Int) {
        var reconciliations: [BacktestStart.Reconciliation] = []
        var requests = 0
        while true {
            requests += 1
            do {
                return (try await send(), reconciliations, requests)
            } catch let error as HaasAPIError where error.isTransient {
                guard requests < configuration.retry.maxAttempts else { throw error }
                if case .transport(_, .connectionRefused) = error {
                    try await pause(afterAttempt: requests, channel: channel, reason: error.retryReason)
                    continue
                }
                switch try await ask(error) {
                case .happened(let value, let answer):
                    reconciliations.append(.init(failure: error.description, found: true, answer: answer))
                    configuration.onRetry?(
                        "\(channel): \(error.retryReason); \(happened(answer)), so it is not sent again")
                    return (value, reconciliations, requests)
                case .didNotHappen(let answer):
                    reconciliations.append(.init(failure: error.description, found: false, answer: answer))
                    try await pause(afterAttempt: requests, channel: channel, reason: "\(error.retryReason); \(answer)")
                }
            }
        }
    }

    func pause(afterAttempt attempt: Int, channel: String, reason: String) async throws {
        let delay = configuration.retry.delay(afterAttempt: attempt)
        configuration.onRetry?(
            "retrying \(channel) in \(String(format: "%.1f", delay.inSeconds)) s (\(reason), attempt \(attempt + 1) of \(configuration.retry.maxAttempts))"
        )
        if delay > .zero { try await Task.sleep(for: delay) }
    }
}
