import Foundation

/// The mutable side of the simulator: sessions, lab execution progress and the request counter that seeds
/// fault injection. Guarded by a lock; handlers run concurrently.
final class SimulatorState: @unchecked Sendable {
    private let lock = NSLock()
    private var pendingLogins: Set<String> = []
    private var sessions: [String: Int] = [:]  // interface key → authenticated calls made
    private var polls: [String: Int] = [:]  // lab id → status polls seen
    private var requests: UInt64 = 0

    private var issuedKeys: [String] = []

    func beginLogin(key: String) {
        locked {
            pendingLogins.insert(key)
            issuedKeys.append(key)
        }
    }

    /// Every interface key a client has logged in with, for tests that check none reached the ledger.
    var interfaceKeys: [String] { locked { issuedKeys } }

    func completeLogin(key: String) -> Bool {
        locked {
            guard pendingLogins.remove(key) != nil else { return false }
            sessions[key] = 0
            return true
        }
    }

    enum SessionCheck { case valid, unknown, expired }

    /// Counts an authenticated call against the session; past `expireAfter` calls the session is gone.
    func useSession(key: String, expireAfter: Int?) -> SessionCheck {
        locked {
            guard let calls = sessions[key] else { return .unknown }
            if let expireAfter, calls >= expireAfter {
                sessions[key] = nil
                return .expired
            }
            sessions[key] = calls + 1
            return .valid
        }
    }

    /// Records a status poll of a running lab and returns how many polls it has seen (including this one).
    func poll(lab: String) -> Int {
        locked {
            polls[lab, default: 0] += 1
            return polls[lab]!
        }
    }

    func polls(lab: String) -> Int { locked { polls[lab, default: 0] } }

    func nextRequestNumber() -> UInt64 {
        locked {
            requests += 1
            return requests
        }
    }

    private func locked<R>(_ body: () -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}
