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
        /// Per channel, the positions of its requests in `requests`: a long sweep sends hundreds of thousands,
        /// and counting them afresh for each one made the simulator slow down as it ran.
        var positions: [String: [Int]] = [:]
        var waiters: [(channel: String, count: Int, continuation: CheckedContinuation<ReceivedRequest?, Never>)] = []
    }

    private let state = Locked(State())

    func note(endpoint: String, parameters: [String: String]) {
        let request = ReceivedRequest(
            endpoint: endpoint, channel: parameters["channel"] ?? "",
            parameters: parameters.filter { $0.key != "channel" && !RequestLog.secrets.contains($0.key) })
        let ready = state.withLock { state in
            state.positions[request.channel, default: []].append(state.requests.count)
            state.requests.append(request)
            let seen = state.positions[request.channel]?.count ?? 0
            let due = {
                (waiter: (channel: String, count: Int, continuation: CheckedContinuation<ReceivedRequest?, Never>)) in
                waiter.channel == request.channel && waiter.count <= seen
            }
            let ready = state.waiters.filter(due).map(\.continuation)
            state.waiters.removeAll(where: due)
            return ready
        }
        for continuation in ready { continuation.resume(returning: request) }
    }

    var all: [ReceivedRequest] { state.withLock { $0.requests } }

    /// The `count`-th request on `channel`, now or when it arrives; nil when `stop` is called first.
    func nth(channel: String, count: Int) async -> ReceivedRequest? {
        await withCheckedContinuation { continuation in
            let found = state.withLock { state -> ReceivedRequest?? in
                let seen = state.positions[channel] ?? []
                if seen.count >= count { return .some(state.requests[seen[count - 1]]) }
                state.waiters.append((channel, count, continuation))
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
    public func firstRequest(channel: String) async -> ReceivedRequest? {
        await received.nth(channel: channel, count: 1)
    }

    /// The `count`-th request on `channel` (counting from 1), now or when it comes; nil when the server stops first.
    public func request(channel: String, number count: Int) async -> ReceivedRequest? {
        await received.nth(channel: channel, count: count)
    }

    /// Releases whoever awaits `firstRequest` (with nil): for a test whose client has exited without asking.
    public func stopWaiting() { received.stop() }
}
