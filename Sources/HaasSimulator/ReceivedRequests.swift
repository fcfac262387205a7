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
        var waiters: [Waiter] = []
        var nextTicket = 0
        /// The server has stopped: no request will come, so nobody starts waiting for one.
        var stopped = false
    }

    private struct Waiter {
        let ticket: Int
        let channel: String
        let count: Int
        let continuation: CheckedContinuation<ReceivedRequest?, Never>
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
            let due = { (waiter: Waiter) in waiter.channel == request.channel && waiter.count <= seen }
            let ready = state.waiters.filter(due).map(\.continuation)
            state.waiters.removeAll(where: due)
            return ready
        }
        for continuation in ready { continuation.resume(returning: request) }
    }

    var all: [ReceivedRequest] { state.withLock { $0.requests } }

    /// The `count`-th request on `channel`, now or when it arrives; nil when `stop` is called or the waiting
    /// task is cancelled first. A test cancels it when its child ends, which may happen before this is
    /// reached: a cancelled task never starts waiting.
    func nth(channel: String, count: Int) async -> ReceivedRequest? {
        let ticket = state.withLock { state in
            defer { state.nextTicket += 1 }
            return state.nextTicket
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let found = state.withLock { state -> ReceivedRequest?? in
                    let seen = state.positions[channel] ?? []
                    if seen.count >= count { return .some(state.requests[seen[count - 1]]) }
                    // Checked under the lock the cancellation handler takes, so it is seen either here or there.
                    if Task.isCancelled || state.stopped { return .some(nil) }
                    state.waiters.append(
                        Waiter(ticket: ticket, channel: channel, count: count, continuation: continuation))
                    return .none
                }
                if let found { continuation.resume(returning: found) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.waiters.firstIndex { $0.ticket == ticket }.map { state.waiters.remove(at: $0) }
            }
            waiter?.continuation.resume(returning: nil)
        }
    }

    /// Releases every waiter, and every later one at once (the server is stopping).
    func stop() {
        let waiting = state.withLock { state in
            state.stopped = true
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
    /// server stops or the waiting task is cancelled first).
    public func firstRequest(channel: String) async -> ReceivedRequest? {
        await received.nth(channel: channel, count: 1)
    }

    /// The `count`-th request on `channel` (counting from 1), now or when it comes; nil when the server stops or
    /// the waiting task is cancelled first (a test cancels it when the child that would ask has ended).
    public func request(channel: String, number count: Int) async -> ReceivedRequest? {
        await received.nth(channel: channel, count: count)
    }
}
