import EventLog
import EventLogTesting
import Foundation
import HaasSimulator
import JSON
import Testing

/// Labs from the CLI (issue 12): create, a brute-force run that records every result, runtime and metric set,
/// lost replies that never make a second lab, and Ctrl-C that cancels the lab on the server.
extension CLITests {
    func labCreate(_ server: SimulatorServer, url: String, environment: [String: String], name: String) async throws
        -> String
    {
        let created = try await ChildProcess.runInBackground(
            "haasledger",
            [
                "lab", "create", "--ledger", ledger, "--server", url, "--script", server.world.scripts[0].id, "--name",
                name, "--account", server.world.accounts[0].id, "--market", "BINANCE_BTC_USDT_", "--attempts", "12",
            ], environment: environment)
        #expect(created.status == 0, "\(created.stderr)")
        return created.stdout.trimmingCharacters(in: .newlines)
    }

    func labRun(_ lab: String, url: String, _ extra: [String]) -> [String] {
        [
            "lab", "run", "--ledger", ledger, "--server", url, lab, "--param", "Period=10..30:10", "--param",
            "Stop Loss=1,2,3", "--from", "2026-01-01", "--to", "2026-03-01", "--poll-interval", "0",
        ] + extra
    }

    func eventCount(_ type: String) throws -> Int {
        try run(["log", "show", "--ledger", ledger, "--type", type, "--format", "ndjson"]).stdout
            .split(separator: "\n").count
    }

    @Test func aBruteForceLabRunRecordsEveryBacktestWithItsMetrics() async throws {
        try await withRunningSimulator(
            SimulatorConfiguration(seed: 61, labs: 1, backtestsPerLab: 1, pollsToComplete: 4)
        ) {
            server in
            let (environment, url) = CLITests.login(to: server)
            let lab = try await labCreate(server, url: url, environment: environment, name: "grid")
            // The run's end counts what it recorded, itself included: here, everything in the ledger.
            let stats = try JSONParser.parse(try run(["log", "stats", "--ledger", ledger, "--format", "json"]).stdout)
            let ends = try run(["log", "show", "--ledger", ledger, "--type", "run.finished", "--format", "ndjson"])
            #expect(
                ends.stdout.contains(#""events":\#(stats["events"]?.numberValue?.int64Value ?? -1)"#), "\(ends.stdout)")
            let ran = try await ChildProcess.runInBackground(
                "haasledger", labRun(lab, url: url, []), environment: environment)
            #expect(ran.status == 0, "\(ran.stderr)")
            #expect(
                ran.stdout.hasPrefix(
                    "lab \(lab): 9 of 9 backtests completed; recorded 9 results, 9 runtimes, 9 metric sets"),
                "\(ran.stdout)")
            #expect(ran.stdout.split(separator: "\n").count == 1 + 1 + 9)  // summary, header, 9 rows
            #expect(ran.stdout.contains("Period=10 Stop Loss=1"), "the table says which parameters: \(ran.stdout)")
            #expect(try eventCount("haas.backtest.runtime.fetched") == 9)
            #expect(try eventCount("metrics.computed") == 9)
            let query = try run(["query", "backtests", "--ledger", ledger, "--lab", lab, "--format", "csv"])
            let rows = query.stdout.split(separator: "\n").dropFirst()
            #expect(rows.count == 9)
            // Each names the script version that produced it.
            let version = SHA256Hash.of(Array(server.world.scripts[0].source.utf8)).hex
            #expect(rows.allSatisfy { $0.contains(",\(version),") }, "\(query.stdout)")
            // Every parameter combination once.
            let parameters = try run([
                "sql", "--ledger", ledger, "--format", "csv",
                "SELECT DISTINCT parameters FROM backtests WHERE lab_id = '\(lab)' AND valid_to IS NULL",
            ])
            #expect(parameters.stdout.split(separator: "\n").count == 1 + 9, "\(parameters.stdout)")
            let steps = try run(["query", "executions", "--ledger", ledger, "--lab", lab, "--format", "csv"])
            #expect(
                steps.stdout.contains(",created,") && steps.stdout.contains(",updated,")
                    && steps.stdout.contains(",started,"))
            // --resume after the lab completed records nothing twice and never starts it again.
            let resumed = try await ChildProcess.runInBackground(
                "haasledger", labRun(lab, url: url, ["--resume"]), environment: environment)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(server.receivedRequests.filter { $0.channel == "START_LAB_EXECUTION" }.count == 1)
            #expect(try eventCount("haas.backtest.runtime.fetched") == 9)
            // A wrong parameter is named, with the nearest one.
            let typo = try await ChildProcess.runInBackground(
                "haasledger", labRun(lab, url: url, ["--param", "Perod=1,2"]), environment: environment)
            #expect(typo.status == 2)
            #expect(typo.stderr.contains("--param Perod: the lab has no parameter 'Perod'"), "\(typo.stderr)")
            #expect(typo.stderr.contains("did you mean 'Period'?"))
            let badRange = try run(labRun(lab, url: url, ["--param", "Period=30..10"]))
            #expect(badRange.status == 2)
            #expect(badRange.stderr.contains("the range must go up"), "\(badRange.stderr)")
        }
    }

    @Test func lostRepliesNeverMakeASecondLabOrStartTwice() async throws {
        let faults = try FaultPlan(spec: "lost:0.5")
        try await withRunningSimulator(
            SimulatorConfiguration(seed: 62, labs: 1, backtestsPerLab: 1, faults: faults, pollsToComplete: 2)
        ) { server in
            let (environment, url) = CLITests.login(to: server)
            var labs: [String] = []
            for index in 0..<4 {
                labs.append(try await labCreate(server, url: url, environment: environment, name: "lab \(index)"))
            }
            let created = server.receivedRequests.filter { $0.channel == "CREATE_LAB" }
            let listed = try await ChildProcess.runInBackground(
                "haasledger", ["fetch", "--ledger", ledger, "--server", url, "--all-labs", "--attempts", "12"],
                environment: environment)
            #expect(listed.status == 0, "\(listed.stderr)")
            #expect(created.count == 4, "a CREATE_LAB was sent again: \(created.count)")
            #expect(Set(labs).count == 4)
            let reconciled = try run([
                "log", "show", "--ledger", ledger, "--type", "haas.lab.reconciled", "--format", "ndjson",
            ])
            #expect(!reconciled.stdout.isEmpty, "no CREATE_LAB reply was lost: the test proves nothing with this seed")
            let ran = try await ChildProcess.runInBackground(
                "haasledger", labRun(labs[0], url: url, ["--attempts", "12"]), environment: environment)
            #expect(ran.status == 0, "\(ran.stderr)")
            #expect(server.receivedRequests.filter { $0.channel == "START_LAB_EXECUTION" }.count == 1)
        }
    }

    @Test func ctrlCDuringALabRunCancelsTheLabOnTheServer() async throws {
        try await withRunningSimulator(SimulatorConfiguration(seed: 63, labs: 1, backtestsPerLab: 1)) { server in
            let (environment, url) = CLITests.login(to: server)
            let lab = try await labCreate(server, url: url, environment: environment, name: "interrupted")
            var arguments = labRun(lab, url: url, [])
            arguments[arguments.firstIndex(of: "--poll-interval")! + 1] = "600"
            let (status, message, poll) = try await interruptedRun(
                arguments, environment: environment, server: server, after: "GET_LAB_EXECUTION_UPDATE")
            #expect(poll != nil, "the child ended before its first status poll")
            #expect(status == 130, "\(message)")
            #expect(message.contains("cancelled on the server"), "\(message)")
            #expect(server.receivedRequests.filter { $0.channel == "CANCEL_LAB_EXECUTION" }.count == 1)
            let finished = try run(["log", "show", "--ledger", ledger, "--type", "run.finished", "--format", "ndjson"])
            #expect(finished.stdout.contains(#""interrupted":true"#))
            let labs = try run(["query", "labs", "--ledger", ledger, "--format", "csv"])
            #expect(labs.stdout.contains("\(lab),interrupted,\(server.world.scripts[0].id),4,"), "\(labs.stdout)")
        }
    }
}
