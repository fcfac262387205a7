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
        var directBacktests: [String: DirectBacktest] = [:]
        var directOrder: [String] = []
        var createdLabs: [String: CreatedLab] = [:]
        var createdOrder: [String] = []
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
        locked {
            guard $0.directBacktests[backtest.id] == nil else { return false }
            $0.directBacktests[backtest.id] = backtest
            $0.directOrder.append(backtest.id)
            return true
        }
    }

    /// A status poll of a direct backtest: counted, then returned.
    func pollBacktest(id: String) -> DirectBacktest? {
        locked {
            $0.directBacktests[id]?.polls += 1
            return $0.directBacktests[id]
        }
    }

    /// Changes a direct backtest; nil when there is none with that id.
    func updateBacktest(id: String, _ change: (inout DirectBacktest) -> Bool) -> Bool? {
        locked {
            guard var backtest = $0.directBacktests[id] else { return nil }
            let result = change(&backtest)
            $0.directBacktests[id] = backtest
            return result
        }
    }

    func deleteBacktest(id: String) -> Bool {
        locked {
            guard $0.directBacktests.removeValue(forKey: id) != nil else { return false }
            $0.directOrder.removeAll { $0 == id }
            return true
        }
    }

    /// Every direct backtest, oldest first.
    func directBacktests() -> [DirectBacktest] {
        locked { state in state.directOrder.compactMap { state.directBacktests[$0] } }
    }

    func addLab(_ lab: CreatedLab) {
        locked {
            $0.createdLabs[lab.id] = lab
            $0.createdOrder.append(lab.id)
        }
    }

    func createdLab(id: String) -> CreatedLab? { locked { $0.createdLabs[id] } }

    /// Changes a created lab; nil when there is none with that id.
    func updateLab<R>(id: String, _ change: (inout CreatedLab) -> R) -> R? {
        locked {
            guard var lab = $0.createdLabs[id] else { return nil }
            let result = change(&lab)
            $0.createdLabs[id] = lab
            return result
        }
    }

    func deleteLab(id: String) -> Bool {
        locked {
            guard $0.createdLabs.removeValue(forKey: id) != nil else { return false }
            $0.createdOrder.removeAll { $0 == id }
            return true
        }
    }

    func createdLabs() -> [CreatedLab] { locked { state in state.createdOrder.compactMap { state.createdLabs[$0] } } }

    var requestCount: UInt64 { locked { $0.requests } }

    func nextRequestNumber() -> UInt64 {
        locked {
            $0.requests += 1
            return $0.requests
        }
    }

    private func locked<R>(_ body: (inout State) -> R) -> R { state.withLock(body) }
}
