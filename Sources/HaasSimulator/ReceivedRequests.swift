import Foundation
import Platform

/// One request that reached the simulator, credentials left out.
public struct ReceivedRequest: Sendable, Equatable {
    public let endpoint: String
    public let channel: String
    public let parameters: [String: String]
}

/// Every request the simulator received, in order, for tests: they count what reached the server (no
/// backtest started twice) and await a request instead of sleeping (a child is signalled once its first
/// status poll has arrived).
final class ReceivedRequests: Sendable {
    private struct State {
        var requests: [ReceivedRequest] = []
        var waiters: [(channel: String, continuation: CheckedContinuation<ReceivedRequest?, Never>)] = []
    }

    private let state = Locked(State())

    func note(endpoint: String, parameters: [String: String]) {
        let request = ReceivedRequest(
            endpoint: endpoint, channel: parameters["channel"] ?? "",
            parameters: parameters.filter { $0.key != "channel" && !RequestLog.secrets.contains($0.key) })
        let ready = state.withLock { state in
            state.requests.append(request)
            let ready = state.waiters.filter { $0.channel == request.channel }.map(\.continuation)
            state.waiters.removeAll { $0.channel == request.channel }
            return ready
        }
        for continuation in ready { continuation.resume(returning: request) }
    }

    var all: [ReceivedRequest] { state.withLock { $0.requests } }

    /// The first request on `channel`, now or when it arrives; nil when `stop` is called first.
    func first(channel: String) async -> ReceivedRequest? {
        await withCheckedContinuation { continuation in
            let found = state.withLock { state -> ReceivedRequest?? in
                if let request = state.requests.first(where: { $0.channel == channel }) { return .some(request) }
                state.waiters.append((channel, continuation))
                return .none
            }
            if let found { continuation.resume(returning: found) }
        }
    }

    /// Releases every waiter (the server is stopping).
    func stop() {
        let waiting = state.withLock { state in
            defer { state.waiters.removeAll() }
            return state.waiters.map(\.continuation)
        }
        for continuation in waiting { continuation.resume(returning: nil) }
    }
}

extension SimulatorServer {
    /// Every request received so far, in order.
    public var receivedRequests: [ReceivedRequest] { received.all }

    /// The first request on `channel`: returns at once when it already came, else when it comes (nil when the
    /// server stops first).
    public func firstRequest(channel: String) async -> ReceivedRequest? { await received.first(channel: channel) }

    /// Releases whoever awaits `firstRequest` (with nil): for a test whose client has exited without asking.
    public func stopWaiting() { received.stop() }
}
