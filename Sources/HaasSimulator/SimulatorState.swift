import Platform

/// The mutable side of the simulator: sessions, lab execution progress and the request counter that seeds
/// fault injection. Guarded by a lock; handlers run concurrently.
final class SimulatorState: Sendable {
    private struct State {
        var pendingLogins: Set<String> = []
        var sessions: [String: Int] = [:]  // interface key → authenticated calls made
        var polls: [String: Int] = [:]  // lab id → status polls seen
        var requests: UInt64 = 0
        var issuedKeys: [String] = []
        var directBacktests = OrderedRecords<DirectBacktest>()
        var createdLabs = OrderedRecords<CreatedLab>()
    }

    private let state = Locked(State())

    func beginLogin(key: String) {
        locked {
            $0.pendingLogins.insert(key)
            $0.issuedKeys.append(key)
        }
    }

    /// Every interface key a client has logged in with, for tests that check none reached the ledger.
    var interfaceKeys: [String] { locked { $0.issuedKeys } }

    func completeLogin(key: String) -> Bool {
        locked {
            guard $0.pendingLogins.remove(key) != nil else { return false }
            $0.sessions[key] = 0
            return true
        }
    }

    enum SessionCheck { case valid, unknown, expired }

    /// Counts an authenticated call against the session; past `expireAfter` calls the session is gone.
    func useSession(key: String, expireAfter: Int?) -> SessionCheck {
        locked {
            guard let calls = $0.sessions[key] else { return .unknown }
            if let expireAfter, calls >= expireAfter {
                $0.sessions[key] = nil
                return .expired
            }
            $0.sessions[key] = calls + 1
            return .valid
        }
    }

    /// Records a status poll of a running lab and returns how many polls it has seen (including this one).
    func poll(lab: String) -> Int {
        locked {
            $0.polls[lab, default: 0] += 1
            return $0.polls[lab]!
        }
    }

    func polls(lab: String) -> Int { locked { $0.polls[lab, default: 0] } }

    /// Starts `backtest` unless one with its id exists (then nothing changes). Returns whether it started.
    func startBacktest(_ backtest: DirectBacktest) -> Bool {
        locked { $0.directBacktests.insert(backtest, id: backtest.id) }
    }

    /// A status poll of a direct backtest: counted, then returned.
    func pollBacktest(id: String) -> DirectBacktest? {
        locked {
            $0.directBacktests.update(id) { backtest -> DirectBacktest in
                backtest.polls += 1
                return backtest
            }
        }
    }

    /// Changes a direct backtest; nil when there is none with that id.
    func updateBacktest<R>(id: String, _ change: (inout DirectBacktest) -> R) -> R? {
        locked { $0.directBacktests.update(id, change) }
    }

    func deleteBacktest(id: String) -> Bool { locked { $0.directBacktests.remove(id) } }

    /// Every direct backtest, oldest first.
    func directBacktests() -> [DirectBacktest] { locked { $0.directBacktests.all } }

    func addLab(_ lab: CreatedLab) { locked { _ = $0.createdLabs.insert(lab, id: lab.id) } }

    func createdLab(id: String) -> CreatedLab? { locked { $0.createdLabs[id] } }

    /// Changes a created lab; nil when there is none with that id.
    func updateLab<R>(id: String, _ change: (inout CreatedLab) -> R) -> R? {
        locked { $0.createdLabs.update(id, change) }
    }

    func deleteLab(id: String) -> Bool { locked { $0.createdLabs.remove(id) } }

    func createdLabs() -> [CreatedLab] { locked { $0.createdLabs.all } }

    var requestCount: UInt64 { locked { $0.requests } }

    func nextRequestNumber() -> UInt64 {
        locked {
            $0.requests += 1
            return $0.requests
        }
    }

    private func locked<R>(_ body: (inout State) -> R) -> R { state.withLock(body) }
}

/// Records by id, in the order they were made (what a server's listing returns).
struct OrderedRecords<Value: Sendable>: Sendable {
    private var byID: [String: Value] = [:]
    private var order: [String] = []

    subscript(id: String) -> Value? { byID[id] }

    /// Adds `value` unless the id exists; returns whether it did.
    mutating func insert(_ value: Value, id: String) -> Bool {
        guard byID[id] == nil else { return false }
        byID[id] = value
        order.append(id)
        return true
    }

    mutating func update<R>(_ id: String, _ change: (inout Value) -> R) -> R? {
        guard var value = byID[id] else { return nil }
        let result = change(&value)
        byID[id] = value
        return result
    }

    mutating func remove(_ id: String) -> Bool {
        guard byID.removeValue(forKey: id) != nil else { return false }
        order.removeAll { $0 == id }
        return true
    }

    var all: [Value] { order.compactMap { byID[$0] } }
}
