import EventLogTesting
import Foundation
import HaasSimulator
import JSON
import Testing

/// Parameter sweeps through the binary (issue 13): a definition file, kill -9 at several points and resume,
/// the trials' table, re-judging under another formula.
extension CLITests {
    /// A TOML definition over the world's two-input script.
    func sweepDefinition(_ server: SimulatorServer, trials: Int, extra: String = "") throws -> String {
        let script = try #require(server.world.scripts.first { $0.inputs.count == 2 })
        let path = directory.appending("sweep.toml")
        try """
        script = "\(script.id)"
        market = "BINANCE_BTC_USDT_"
        account = "\(server.world.accounts[0].id)"
        from = "2026-01-01"
        to = "2026-03-01"
        poll_interval = 0

        [parameters.Period]
        int = [5, 60]

        [parameters."Stop Loss"]
        real = [0.5, 6]
        step = 0.1

        [objective]
        metric = "total_return"
        constraints = ["num_trades>=12"]

        [sampler]
        kind = "tpe"
        seed = 7
        startup_trials = 4

        [budget]
        trials = \(trials)
        concurrency = 2
        \(extra)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `query trials --sweep ID --format json`, as rows.
    func trialRows(_ sweepID: String) throws -> [JSONValue] {
        let trials = try run(["query", "trials", "--ledger", ledger, "--sweep", sweepID, "--format", "json"])
        #expect(trials.status == 0, "\(trials.stderr)")
        guard case .array(let rows) = try JSONParser.parse(trials.stdout) else {
            Issue.record("not a JSON array: \(trials.stdout)")
            return []
        }
        return rows
    }

    @Test func aSweepKilledAtSeveralPointsResumesToExactlyItsBudget() async throws {
        try await withRunningSimulator(
            SimulatorConfiguration(seed: 43, labs: 2, backtestsPerLab: 1, pollsToComplete: 2)
        ) { server in
            let (environment, url) = CLITests.login(to: server)
            let definition = try sweepDefinition(server, trials: 12)
            let sweepID = "5a3c7e52-0d6f-4a39-9d0e-1f2a3b4c5d6e"
            let session = ["--ledger", ledger, "--server", url]
            // SIGKILL after the 2nd, the 5th and the 9th backtest started in all; resumed each time.
            for (index, starts) in [2, 5, 9].enumerated() {
                let arguments =
                    index == 0
                    ? ["sweep", "run", definition, "--id", sweepID] + session : ["sweep", "resume", sweepID] + session
                let killed = try await interruptedRun(
                    arguments, environment: environment, server: server, after: "EXECUTE_BACKTEST", number: starts,
                    signal: SIGKILL)
                #expect(killed.status == SIGKILL, "the child ended by itself: \(killed.stderr)")
            }
            let resumed = try await ChildProcess.runInBackground(
                "haasledger", ["sweep", "resume", sweepID, "--format", "json"] + session, environment: environment)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let outcome = try JSONParser.parse(resumed.stdout.trimmingCharacters(in: .newlines))
            #expect(outcome["told"] == .number(12))
            #expect(outcome["finished"] == .string("budget"))

            // Each trial's backtest started exactly once, for exactly the budget of trials.
            let starts = executeRequests(server)
            #expect(starts.count == 12, "\(starts)")
            #expect(starts.values.allSatisfy { $0 == 1 }, "\(starts)")
            #expect(try run(["log", "verify", "--ledger", ledger]).status == 0)

            // The trials, best first, with verdicts the constraints decided.
            let rows = try trialRows(sweepID)
            #expect(rows.count == 12)
            for row in rows {
                let trades = try #require(row["num_trades"]?.numberValue?.doubleValue)
                #expect(row["state"] == .string(trades >= 12 ? "complete" : "infeasible"), "\(row)")
            }
            let shown = try run(["sweep", "show", "--ledger", ledger, sweepID], environment: ["COLUMNS": "200"])
            #expect(shown.status == 0, "\(shown.stderr)")
            #expect(shown.stdout.contains("finished (budget), 12 of 12 trials told"), "\(shown.stdout)")
            #expect(shown.stdout.contains("importance"), "\(shown.stdout)")

            // Re-judged under another formula set, nothing run: the same 12 trials.
            #expect(try run(["metrics", "recompute", "--ledger", ledger, "--formula", "canonical@1"]).status == 0)
            let rescored = try run([
                "query", "trials", "--ledger", ledger, "--sweep", sweepID, "--formula", "canonical@1", "--format",
                "ndjson",
            ])
            #expect(rescored.stdout.split(separator: "\n").count == 12, "\(rescored.stdout)\(rescored.stderr)")
            let again = try run(["sweep", "show", "--ledger", ledger, sweepID, "--formula", "canonical@1"])
            #expect(again.stdout.contains("re-scored; the sweep ran under canonical@2"), "\(again.stdout)")
            // What the formula change moved, over this sweep's trials only.
            let moved = try run([
                "diff", "--ledger", ledger, "--formula", "canonical@2", "--formula", "canonical@1", "--sweep", sweepID,
                "--format", "ndjson",
            ])
            #expect(moved.status == 0, "\(moved.stderr)")
            let trialIDs = Set(rows.compactMap { $0["backtest_id"]?.stringValue })
            let movedIDs = try moved.stdout.split(separator: "\n").map {
                try JSONParser.parse(String($0))["backtest_id"]?.stringValue ?? ""
            }
            #expect(!movedIDs.isEmpty && Set(movedIDs).isSubset(of: trialIDs), "\(moved.stdout)")

            // As of the fifth verdict, the sweep had five trials told.
            let verdicts = try run([
                "log", "show", "--ledger", ledger, "--stream", "sweep:\(sweepID)", "--type", "haas.sweep.trial.told",
                "--format", "ndjson",
            ])
            let firstFive = try verdicts.stdout.split(separator: "\n").prefix(5).map {
                try JSONParser.parse(String($0))
            }
            let position = try #require(firstFive.last?["position"]?.numberValue?.int64Value)
            // Its best so far: the complete trial of the highest return among them (ties: the earliest).
            let bestSoFar = try #require(
                firstFive.compactMap { line -> (trial: Int64, value: Double)? in
                    guard let payload = line["payload"], payload["state"] == .string("complete"),
                        let trial = payload["trial"]?.numberValue?.int64Value,
                        let value = payload["objective"]?.numberValue?.doubleValue
                    else { return nil }
                    return (trial, value)
                }.max { ($0.value, -$0.trial) < ($1.value, -$1.trial) }, "no complete trial in \(firstFive)")
            let then = try run([
                "sweep", "list", "--ledger", ledger, "--at-position", String(position), "--format", "csv",
            ])
            #expect(
                then.stdout.contains("\(sweepID),running,tpe,max total_return,5,12,\(bestSoFar.trial),"),
                "\(then.stdout)")
            #expect(executeRequests(server).count == 12)
        }
    }

    @Test func sweepCancelEndsARunningSweepAndCancelsItsTrialsInFlight() async throws {
        try await withRunningSimulator(
            SimulatorConfiguration(seed: 45, labs: 2, backtestsPerLab: 1, pollsToComplete: 300)
        ) { server in
            let (environment, url) = CLITests.login(to: server)
            let definition = try sweepDefinition(server, trials: 40)
            let sweepID = "6b4d8f63-1e7a-4b4a-8e1f-2a3b4c5d6e7f"
            let session = ["--ledger", ledger, "--server", url]
            let child = Process()
            child.executableURL = URL(fileURLWithPath: ChildProcess.executable("haasledger"))
            child.arguments = ["sweep", "run", definition, "--id", sweepID] + session
            child.environment = ProcessInfo.processInfo.environment.merging(CLITests.clock.merging(environment) { $1 })
            {
                $1
            }
            child.standardOutput = FileHandle.nullDevice
            child.standardError = FileHandle.nullDevice
            let third = Task { await server.request(channel: "EXECUTE_BACKTEST", number: 3) }
            child.terminationHandler = { _ in third.cancel() }
            try child.run()
            defer { if child.isRunning { kill(child.processIdentifier, SIGKILL) } }
            #expect(await third.value != nil)
            let cancelled = try await ChildProcess.runInBackground(
                "haasledger", ["sweep", "cancel", sweepID] + session, environment: environment)
            #expect(cancelled.status == 0, "\(cancelled.stderr)")
            #expect(cancelled.stdout.contains("finished (cancelled)"), "\(cancelled.stdout)")
            await ChildProcess.exit(of: child)
            #expect(child.terminationStatus == 0)

            // Every trial asked is told; those in flight were cancelled on the server, and no more were started.
            let trials = try run(["query", "trials", "--ledger", ledger, "--sweep", sweepID, "--format", "json"])
            guard case .array(let rows) = try JSONParser.parse(trials.stdout) else {
                Issue.record("not a JSON array: \(trials.stdout)")
                return
            }
            let states = rows.compactMap { $0["state"]?.stringValue }
            #expect(states.count == executeRequests(server).count)
            #expect(states.count < 40)
            #expect(states.allSatisfy { ["complete", "infeasible", "cancelled"].contains($0) }, "\(states)")
            let cancels = server.receivedRequests.filter { $0.channel == "CANCEL_BACKTEST" }.count
            #expect(cancels >= 1)
            #expect(cancels == states.filter { $0 == "cancelled" }.count)
            let list = try run(["sweep", "list", "--ledger", ledger, "--format", "csv"])
            #expect(list.stdout.contains("\(sweepID),cancelled,"), "\(list.stdout)")
        }
    }

    /// A misspelt metric (caught reading the file) and a misspelt input (caught against the script's record)
    /// are refused naming the key, with the likely name, before any backtest starts.
    @Test(arguments: [
        ("\"total_return\"", "\"total_retrun\"", "objective.metric", "total_return"),
        ("[parameters.Period]", "[parameters.Perod]", "parameters.Perod", "Period"),
    ])
    func aSweepDefinitionWithAMistakeNamesTheKeyAndStartsNothing(
        right: String, wrong: String, key: String, hint: String
    ) async throws {
        try await withRunningSimulator(SimulatorConfiguration(seed: 44, labs: 2, backtestsPerLab: 1)) { server in
            let (environment, url) = CLITests.login(to: server)
            let definition = try sweepDefinition(server, trials: 5)
            let text = try String(contentsOfFile: definition, encoding: .utf8)
            try text.replacingOccurrences(of: right, with: wrong).write(
                toFile: definition, atomically: true, encoding: .utf8)
            let refused = try await ChildProcess.runInBackground(
                "haasledger", ["sweep", "run", definition, "--ledger", ledger, "--server", url],
                environment: environment)
            #expect(refused.status == 2)
            #expect(refused.stderr.contains(key), "\(refused.stderr)")
            #expect(refused.stderr.contains("did you mean '\(hint)'"), "\(refused.stderr)")
            #expect(executeRequests(server).isEmpty)
        }
    }
}
