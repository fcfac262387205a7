import Testing

@testable import HaasSimulator

/// Awaiting a request the simulator receives: tests signal a child at that moment, and must be let go when the
/// child ends without asking, however early it ends. A wait never let go fails at the time limit, not a hang.
@Suite(.timeLimit(.minutes(1))) struct ReceivedRequestsTests {
    let requests = ReceivedRequests()

    func note(_ channel: String) { requests.note(endpoint: "/", parameters: ["channel": channel, "n": "1"]) }

    @Test func aWaiterGetsTheRequestWhenItComesAndALaterOneAtOnce() async {
        let second = Task { await requests.nth(channel: "B", count: 2) }
        note("B")
        note("A")
        note("B")
        #expect(await second.value?.channel == "B")
        #expect(await requests.nth(channel: "A", count: 1)?.channel == "A")
    }

    @Test func aTaskCancelledBeforeItWaitsIsLetGoAtOnce() async {
        let waited = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await requests.nth(channel: "A", count: 1)
        }
        #expect(await waited.value == nil)
        // What is already there is still given, cancelled or not.
        note("A")
        let given = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await requests.nth(channel: "A", count: 1)
        }
        #expect(await given.value?.channel == "A")
    }

    @Test func aCancelledWaiterIsLetGoAndTheOthersStillWait() async {
        let cancelled = Task { await requests.nth(channel: "A", count: 1) }
        let other = Task { await requests.nth(channel: "A", count: 1) }
        cancelled.cancel()
        #expect(await cancelled.value == nil)
        note("A")
        #expect(await other.value?.channel == "A")
    }

    @Test func onceStoppedNobodyStartsWaiting() async {
        let waiting = Task { await requests.nth(channel: "A", count: 1) }
        requests.stop()
        #expect(await waiting.value == nil)
        #expect(await requests.nth(channel: "A", count: 1) == nil)
    }
}
