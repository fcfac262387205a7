import EventLogTesting
import Testing

/// The short version of `tools/crash`: one round of each scenario, SIGKILLed at a point the seed picks.
@Suite struct CrashDrillTests {
    @Test func everyRecordingCommandKilledWithSIGKILLLeavesAVerifiedLogThatTheReRunCompletes() async throws {
        let drill = try await ChildProcess.runInBackground("haasledger-crash", ["--rounds", "5", "--seed", "7"])
        #expect(drill.status == 0, "\(drill.stdout)\(drill.stderr)")
        let rounds = drill.stdout.split(separator: "\n").filter { $0.hasPrefix("round ") }
        #expect(rounds.count == 5, "\(drill.stdout)")
        // Each scenario was killed, not merely run: a drill whose kills all came too late proves nothing.
        #expect(rounds.filter { $0.contains(": killed at ") }.count >= 4, "\(drill.stdout)")
        #expect(drill.stdout.hasSuffix("5 rounds held (seed 7)\n"), "\(drill.stdout)")
    }
}
