import EventLogTesting
import Foundation
import HaasSimulator
import JSON
import Testing

/// A sweep whose trials run as lab runs, through the binary (issue 13): killed right after the server got a
/// lab's start (its record maybe lost with the process) and resumed, it ends with exactly its budget and every
/// lab run started once.
extension CLITests {
    @Test func aLabSweepKilledAfterALabStartResumesWithoutStartingItAgain() async throws {
        try await withRunningSimulator(
            SimulatorConfiguration(seed: 46, labs: 1, backtestsPerLab: 1, pollsToComplete: 2)
        ) { server in
            let (environment, url) = CLITests.login(to: server)
            let script = try #require(server.world.scripts.first { $0.inputs.count == 2 })
            var labs: [String] = []
            for name in ["sweep lab a", "sweep lab b"] {
                let created = try await ChildProcess.runInBackground(
                    "haasledger",
                    [
                        "lab", "create", "--ledger", ledger, "--server", url, "--script", script.id, "--name", name,
                        "--account", server.world.accounts[0].id, "--market", "BINANCE_BTC_USDT_",
                    ], environment: environment)
                #expect(created.status == 0, "\(created.stderr)")
                labs.append(created.stdout.trimmingCharacters(in: .newlines))
            }
            // The direct sweep's file, its trials sent to the two labs instead.
            let definition = try sweepDefinition(server, trials: 8)
            let labList = labs.map { "\"\($0)\"" }.joined(separator: ", ")
            try String(contentsOfFile: definition, encoding: .utf8).replacingOccurrences(
                of: "poll_interval = 0", with: "poll_interval = 0\nrunner = \"labs\"\nlabs = [\(labList)]"
            ).write(toFile: definition, atomically: true, encoding: .utf8)
            let sweepID = "7c5e9a74-2f8b-4c5b-9f20-3b4c5d6e7f80"
            let session = ["--ledger", ledger, "--server", url]
            for (index, starts) in [2, 5].enumerated() {
                let arguments =
                    index == 0
                    ? ["sweep", "run", definition, "--id", sweepID] + session : ["sweep", "resume", sweepID] + session
                let killed = try await interruptedRun(
                    arguments, environment: environment, server: server, after: "START_LAB_EXECUTION",
                    number: starts, signal: SIGKILL)
                #expect(killed.status == SIGKILL, "the child ended by itself: \(killed.stderr)")
            }
            let resumed = try await ChildProcess.runInBackground(
                "haasledger", ["sweep", "resume", sweepID, "--format", "json"] + session, environment: environment)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let outcome = try JSONParser.parse(resumed.stdout.trimmingCharacters(in: .newlines))
            #expect(outcome["told"] == .number(8))
            #expect(server.receivedRequests.filter { $0.channel == "START_LAB_EXECUTION" }.count == 8)
            #expect(executeRequests(server).isEmpty)
            #expect(try run(["log", "verify", "--ledger", ledger]).status == 0)

            let rows = try trialRows(sweepID)
            #expect(rows.count == 8)
            #expect(Set(rows.compactMap { $0["backtest_id"]?.stringValue }).count == 8, "\(rows)")
            #expect(rows.allSatisfy { $0["num_trades"]?.numberValue != nil }, "\(rows)")
        }
    }
}
