import EventLog
import EventLogTesting
import Foundation
import HaasSimulator
import JSON
import Testing

/// Direct backtests through the binary (issue 12): request to metrics, idempotent ids, lost replies, Ctrl-C.
extension CLITests {
    /// `backtest run` arguments for the world's first script on its first market, through `url`.
    func backtestRun(_ server: SimulatorServer, url: String, _ extra: [String]) -> [String] {
        [
            "backtest", "run", "--ledger", ledger, "--server", url, "--script", server.world.scripts[0].id,
            "--market", "BINANCE_BTC_USDT_", "--account", server.world.accounts[0].id, "--from", "2026-01-01",
            "--to", "2026-03-01", "--poll-interval", "0",
        ] + extra
    }

    func executeRequests(_ server: SimulatorServer) -> [String: Int] {
        server.receivedRequests.filter { $0.channel == "EXECUTE_BACKTEST" }
            .reduce(into: [:]) { $0[$1.parameters["backtestid"] ?? "", default: 0] += 1 }
    }

    @Test func aDirectBacktestGoesFromRequestToMetrics() async throws {
        try await withRunningSimulator(
            SimulatorConfiguration(seed: 41, labs: 1, backtestsPerLab: 1, pollsToComplete: 3)
        ) {
            server in
            let (environment, url) = CLITests.login(to: server)
            let ran = try await ChildProcess.runInBackground(
                "haasledger", backtestRun(server, url: url, ["--param", "Period=20", "--format", "json"]),
                environment: environment)
            #expect(ran.status == 0, "\(ran.stderr)")
            let outcome = try JSONParser.parse(ran.stdout.trimmingCharacters(in: .newlines))
            let id = try #require(outcome["backtest_id"]?.stringValue)
            let version = SHA256Hash.of(Array(server.world.scripts[0].source.utf8)).hex
            #expect(outcome["phase"] == .string("completed"))
            #expect(outcome["script_version"] == .string(version))
            let trades = try #require(outcome["metrics"]?["canonical@2"]?["num_trades"]?.numberValue?.doubleValue)
            #expect(trades == 21)  // 6 + 300 / Period
            #expect(executeRequests(server) == [id: 1])

            // Recorded like a fetched backtest: in the read models with its script version, step by step.
            let query = try run(["query", "backtests", "--ledger", ledger, "--format", "csv"])
            #expect(query.stdout.contains("\(id),,,,BINANCE_BTC_USDT_,\(version),"), "\(query.stdout)")
            #expect(query.stdout.contains(#""{""Period"":20}""#), "parameters, as CSV quotes JSON: \(query.stdout)")
            let steps = try run(["query", "executions", "--ledger", ledger, "--backtest", id, "--format", "csv"])
            let names = steps.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[2] }
            #expect(
                names == ["requested", "accepted", "progress", "progress", "progress", "progress", "finished"],
                "\(steps.stdout)")
            let history = try run(["history", "--ledger", ledger, id])
            #expect(history.stdout.contains("script \(version.prefix(12))"))
            #expect(try run(["log", "verify", "--ledger", ledger]).status == 0)
            // No credential reached any file of the ledger (the runtime inside GET_BACKTEST_INFO names the user).
            let secrets =
                [server.world.configuration.email, server.world.configuration.password] + server.interfaceKeys
            let files = FileManager.default.enumerator(atPath: ledger)?.compactMap { $0 as? String } ?? []
            #expect(files.contains { $0.hasSuffix("data.mdb") })
            for file in files {
                let bytes = (try? Data(contentsOf: URL(fileURLWithPath: ledger + "/" + file))) ?? Data()
                for secret in secrets {
                    let found = bytes.range(of: Data(secret.utf8))
                    let context = found.map {
                        String(
                            decoding: bytes[max(0, $0.lowerBound - 300)..<min(bytes.count, $0.upperBound + 50)],
                            as: UTF8.self)
                    }
                    #expect(found == nil, "\(file) holds a secret: \(context ?? "")")
                }
            }

            // The same id again follows what is recorded: nothing is started twice.
            let again = try await ChildProcess.runInBackground(
                "haasledger", backtestRun(server, url: url, ["--param", "Period=20", "--id", id]),
                environment: environment)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains("phase           completed"), "\(again.stdout)")
            #expect(executeRequests(server) == [id: 1])
        }
    }

    @Test func aBacktestThatCannotRunSaysWhyBeforeAnythingStarts() async throws {
        try await withRunningSimulator(SimulatorConfiguration(seed: 42, labs: 1, backtestsPerLab: 1)) { server in
            let (environment, url) = CLITests.login(to: server)
            let typo = try await ChildProcess.runInBackground(
                "haasledger", backtestRun(server, url: url, ["--param", "Perod=20"]), environment: environment)
            #expect(typo.status == 2)
            #expect(
                typo.stderr.contains(
                    "--param Perod: the script has no input 'Perod' (its inputs: Period, Stop Loss); did you mean 'Period'?"
                ), "\(typo.stderr)")
            let range = try await ChildProcess.runInBackground(
                "haasledger", backtestRun(server, url: url, ["--param", "Period=500"]), environment: environment)
            #expect(range.status == 2)
            #expect(range.stderr.contains("--param Period: 500 is outside the input's range 5…60"), "\(range.stderr)")
            var broken = backtestRun(server, url: url, [])
            broken[broken.firstIndex(of: "--script")! + 1] = server.world.brokenScript.id
            let notCompiling = try await ChildProcess.runInBackground("haasledger", broken, environment: environment)
            #expect(notCompiling.status == 1)
            #expect(
                notCompiling.stderr.contains("Breakout Draft:3:27: error: unknown function 'ClosePrice'"),
                "\(notCompiling.stderr)")
            #expect(notCompiling.stderr.contains("(Breakout Draft) does not compile; nothing was started"))
            let period = try run(backtestRun(server, url: url, ["--from", "2026-03-01", "--to", "2026-01-01"]))
            #expect(period.status == 2)
            #expect(period.stderr.contains("--from/--to: the period must end after it starts"), "\(period.stderr)")
            #expect(executeRequests(server).isEmpty)
        }
    }

    /// Replies lost after the server acted: the client asks about the id and never sends it again.
    @Test func lostRepliesToExecuteBacktestNeverStartOneTwice() async throws {
        let faults = try FaultPlan(spec: "lost:0.5")
        try await withRunningSimulator(
            SimulatorConfiguration(seed: 43, labs: 1, backtestsPerLab: 1, faults: faults, pollsToComplete: 2)
        ) { server in
            let (environment, url) = CLITests.login(to: server)
            for period in 10...15 {
                let ran = try await ChildProcess.runInBackground(
                    "haasledger", backtestRun(server, url: url, ["--param", "Period=\(period)", "--attempts", "12"]),
                    environment: environment)
                #expect(ran.status == 0, "\(ran.stderr)")
            }
            let counts = executeRequests(server)
            #expect(counts.count == 6)
            #expect(counts.values.allSatisfy { $0 == 1 }, "\(counts)")
            let reconciled = try run([
                "log", "show", "--ledger", ledger, "--type", "haas.backtest.reconciled", "--format", "ndjson",
            ])
            let lines = reconciled.stdout.split(separator: "\n")
            #expect(!lines.isEmpty, "no EXECUTE_BACKTEST reply was lost: the test proves nothing with this seed")
            #expect(lines.allSatisfy { $0.contains(#""found":true"#) })
            let finished = try run([
                "log", "show", "--ledger", ledger, "--type", "haas.backtest.finished", "--format", "ndjson",
            ])
            #expect(finished.stdout.split(separator: "\n").count == 6)
        }
    }

    /// Ctrl-C while following: the backtest is cancelled on the server, the run closed as interrupted, exit 130.
    @Test func ctrlCDuringABacktestCancelsItOnTheServer() async throws {
        try await withRunningSimulator(SimulatorConfiguration(seed: 44, labs: 1, backtestsPerLab: 1)) { server in
            let (environment, url) = CLITests.login(to: server)
            var arguments = backtestRun(server, url: url, [])
            arguments[arguments.firstIndex(of: "--poll-interval")! + 1] = "600"
            let (status, message, poll) = try await interruptedRun(
                arguments, environment: environment, server: server, after: "GET_BACKTEST_INFO")
            #expect(poll != nil, "the child ended before its first status poll")
            #expect(status == 130, "\(message)")
            #expect(message.contains("cancelled on the server"), "\(message)")
            let cancels = server.receivedRequests.filter { $0.channel == "CANCEL_BACKTEST" }
            #expect(cancels.count == 1)
            #expect(cancels.first?.parameters["backtestid"] == poll?.parameters["backtestid"])
            let finished = try run(["log", "show", "--ledger", ledger, "--type", "run.finished", "--format", "ndjson"])
            #expect(finished.stdout.contains(#""interrupted":true"#), "\(finished.stdout)")
            let cancelled = try run([
                "log", "show", "--ledger", ledger, "--type", "haas.backtest.cancelled", "--format", "ndjson",
            ])
            #expect(cancelled.stdout.contains(#""reason":"interrupted""#))
            #expect(cancelled.stdout.contains(#""server_stopped_it":true"#))
        }
    }

    @Test func aQuickTestReportsTheRunOrTheCompileErrors() async throws {
        try await withRunningSimulator(SimulatorConfiguration(seed: 45, labs: 1, backtestsPerLab: 1)) { server in
            let (environment, url) = CLITests.login(to: server)
            let settings = ["--market", "BINANCE_BTC_USDT_", "--account", server.world.accounts[0].id]
            let ran = try await ChildProcess.runInBackground(
                "haasledger",
                [
                    "script", "quicktest", "--ledger", ledger, "--server", url, server.world.scripts[0].id, "--param",
                    "Period=20",
                ]
                    + settings, environment: environment)
            #expect(ran.status == 0, "\(ran.stderr)")
            #expect(ran.stdout.contains("positions          21"), "\(ran.stdout)")
            #expect(ran.stdout.hasSuffix("Debug run finished.\n"))
            let broken = try await ChildProcess.runInBackground(
                "haasledger",
                ["script", "quicktest", "--ledger", ledger, "--server", url, server.world.brokenScript.id] + settings,
                environment: environment)
            #expect(broken.status == 1)
            #expect(broken.stdout.hasPrefix("Breakout Draft:3:27: error: unknown function 'ClosePrice'"))
            let recorded = try run([
                "log", "show", "--ledger", ledger, "--type", "haas.script.quicktested", "--format", "ndjson",
            ]).stdout.split(separator: "\n")
            #expect(recorded.count == 2)
            #expect(recorded.first?.contains(#""compiled":true"#) == true)
            #expect(recorded.first?.contains(#""positions":21"#) == true)
            #expect(recorded.last?.contains(#""compiled":false"#) == true)
        }
    }

    /// A backtest whose runtime is recorded but whose metrics under some formula are not (a command stopped
    /// between the two, or a formula asked for later) gets them from the recorded runtime on the next follow.
    @Test func followingARecordedBacktestCompletesItsMissingMetrics() async throws {
        try await withRunningSimulator(
            SimulatorConfiguration(seed: 47, labs: 1, backtestsPerLab: 1, pollsToComplete: 1)
        ) { server in
            let (environment, url) = CLITests.login(to: server)
            let ran = try await ChildProcess.runInBackground(
                "haasledger", backtestRun(server, url: url, ["--formula", "canonical@2", "--format", "json"]),
                environment: environment)
            #expect(ran.status == 0, "\(ran.stderr)")
            let id = try #require(
                try JSONParser.parse(ran.stdout.trimmingCharacters(in: .newlines))["backtest_id"]?.stringValue)
            let followed = try await ChildProcess.runInBackground(
                "haasledger",
                [
                    "backtest", "status", id, "--ledger", ledger, "--server", url, "--formula", "canonical@1",
                    "--format",
                    "json",
                ], environment: environment)
            #expect(followed.status == 0, "\(followed.stderr)")
            let outcome = try JSONParser.parse(followed.stdout.trimmingCharacters(in: .newlines))
            #expect(outcome["metrics"]?["canonical@1"]?["num_trades"] != nil, "\(followed.stdout)")
            #expect(outcome["metrics"]?["canonical@2"]?["num_trades"] != nil, "\(followed.stdout)")
            #expect(executeRequests(server) == [id: 1])
        }
    }
}
