import EventLog
import EventLogTesting
import Foundation
import HaasSimulator
import JSON
import Testing

extension CLITests {
    @Test func demoFetchesFromTheSimulatorVerifiesAndShows() throws {
        let demo = directory.appending("demo")
        let first = try run(["demo", "--ledger", demo, "--labs", "2", "--backtests", "5"])
        #expect(first.status == 0, "\(first.stderr)")
        let lines = first.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0].hasPrefix("simulator: http://127.0.0.1:"))
        #expect(lines[1] == "ledger: \(demo)")
        #expect(lines[2].hasPrefix("fetched 2 labs, 10 backtests, 10 runtimes (0 already recorded) in "))
        #expect(lines[2].hasSuffix("; 0 failures"))
        #expect(lines[3].hasPrefix("verify: ok — "))
        #expect(lines.contains { $0.hasPrefix("haas.backtest.runtime.fetched ") && $0.hasSuffix(" 10") })
        #expect(first.stdout.contains("top 10 backtests by computed total return (canonical@1"))
        #expect(first.stdout.contains("the server re-runs some backtests (revision 2); fetching again with --refresh:"))
        #expect(first.stdout.contains("diff between the two fetches ("))
        #expect(first.stdout.contains("backtest run --script '"), "\(first.stdout)")
        #expect(first.stdout.contains(": completed after "))
        #expect(first.stdout.contains("9 of 9 backtests completed, 9 runtimes and"))
        #expect(first.stdout.contains("sweep run --sampler tpe --trials 16 over "), "\(first.stdout)")
        #expect(first.stdout.contains("finished (budget), 16 of 16 trials told"), "\(first.stdout)")
        let second = try run(["demo", "--ledger", demo, "--labs", "2", "--backtests", "5"])
        #expect(second.stdout.contains("10 backtests, 0 runtimes (10 already recorded)"))
        // The same backtest id again: followed from the ledger, not started a second time.
        #expect(second.stdout.contains(": completed after "), "\(second.stdout)")
        // The same sweep id: the finished sweep is shown, nothing asked again.
        #expect(second.stdout.contains("finished (budget), 16 of 16 trials told"), "\(second.stdout)")
        let bad = try run(["demo", "--ledger", demo, "--faults", "meteor:1"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--faults: 'meteor:1': unknown fault kind"))
    }

    @Test func fetchAgainstARunningServer() async throws {
        try await withRunningSimulator(SimulatorConfiguration(seed: 21, labs: 1, backtestsPerLab: 4)) { server in
            let environment = [
                "HAAS_EMAIL": server.world.configuration.email, "HAAS_PASSWORD": server.world.configuration.password,
            ]
            let fetched = try await ChildProcess.runInBackground(
                "haasledger",
                [
                    "fetch", "--ledger", ledger, "--server", "http://127.0.0.1:\(server.port)", "--all-labs",
                    "--runtimes", "--format", "json",
                ],
                environment: environment, workingDirectory: directory.path)
            #expect(fetched.status == 0, "\(fetched.stderr)")
            let summary = try JSONParser.parse(fetched.stdout.trimmingCharacters(in: .newlines))
            #expect(summary["runtimes_fetched"] == .number(4))
            #expect(summary["failures"] == .number(0))
            // A lab the server does not have: its reason reaches the person, not only the log (issue 15 #7).
            let unknown = try await ChildProcess.runInBackground(
                "haasledger",
                ["fetch", "--ledger", ledger, "--server", "http://127.0.0.1:\(server.port)", "--lab", "nosuchlab"],
                environment: environment, workingDirectory: directory.path)
            #expect(unknown.status == 1)
            #expect(unknown.stderr.contains("GET_LAB_DETAILS: the server answered Success=false: Lab not found"), "\(unknown.stderr)")
            let neither = try run(["fetch", "--ledger", ledger, "--server", "http://127.0.0.1:1"])
            #expect(neither.status == 2)
            #expect(neither.stderr.contains("give either --lab ID (one or more) or --all-labs"))
            let noPassword = try await ChildProcess.runInBackground(
                "haasledger",
                ["fetch", "--ledger", ledger, "--server", "http://127.0.0.1:\(server.port)", "--all-labs"],
                environment: ["HAAS_EMAIL": "x@example.invalid"], workingDirectory: directory.path)
            #expect(noPassword.status == 2)
            #expect(noPassword.stderr.contains("--password: no password given"))
            let html = try await ChildProcess.runInBackground(
                "haasledger",
                [
                    "fetch", "--ledger", ledger, "--server", "http://127.0.0.1:\(server.port)/", "--lab", "x",
                    "--attempts", "1",
                ],
                environment: ["HAAS_EMAIL": "wrong@example.invalid", "HAAS_PASSWORD": "nope"],
                workingDirectory: directory.path)
            #expect(html.status == 1)
            #expect(html.stderr.contains("login failed at LOGIN_WITH_CREDENTIALS"), "\(html.stderr)")
        }
    }

    /// Every command that records events follows HAASLEDGER_CLOCK, not only fetch and import.
    @Test func historyStatusAndWatchRecordAtThePinnedClock() async throws {
        try await withRunningSimulator(SimulatorConfiguration(seed: 22, labs: 1, backtestsPerLab: 2)) { server in
            // A pinned time in the past: the log never lets recordedAt go backwards, so a command that ignored the
            // pin would record today's time after it.
            let environment = [
                "HAASLEDGER_CLOCK": "2020-01-01T00:00:00Z", "HAAS_EMAIL": server.world.configuration.email,
                "HAAS_PASSWORD": server.world.configuration.password,
            ]
            let address = "http://127.0.0.1:\(server.port)"
            let status = try await ChildProcess.runInBackground(
                "haasledger", ["history-status", "--ledger", ledger, "--server", address], environment: environment,
                workingDirectory: directory.path)
            #expect(status.status == 0, "\(status.stderr)")
            let lab = try #require(server.world.labs.first?.id)
            let watched = try await ChildProcess.runInBackground(
                "haasledger", ["watch", "--ledger", ledger, "--server", address, "--lab", lab, "--interval", "0"],
                environment: environment, workingDirectory: directory.path)
            #expect(watched.status == 0, "\(watched.stderr)")
            let shown = try run(["log", "show", "--ledger", ledger, "--format", "ndjson"])
            let times = try shown.stdout.split(separator: "\n").map { line in
                try JSONParser.parse(String(line))["recorded_at"]
            }
            #expect(!times.isEmpty)
            #expect(times.allSatisfy { $0 == .number(Int64(1_577_836_800_000_000)) })
        }
    }
}

extension CLITests {
    /// `simulate` names what stops it and exits 2, rather than hanging or printing raw errors (issue 15 #10).
    @Test func simulateNamesBindAndCacheFolderProblems() async throws {
        let refusedHost = try run(["simulate", "--host", "nosuch.invalid", "--port", "0"])
        #expect(refusedHost.status == 2)
        #expect(refusedHost.stderr == "error: --host: nosuch.invalid is not an address of this machine\n")
        try await SimulatorServer.withRunning(SimulatorConfiguration(labs: 0)) { server in
            let taken = try run(["simulate", "--port", String(server.port)])
            #expect(taken.status == 2)
            #expect(
                taken.stderr
                    == "error: --port: port \(server.port) on 127.0.0.1 is in use (another server?); pick another, or 0 for a free one\n")
        }
        let cache = directory.appending("cache")
        #expect(try run(["simulate", "--write-cache", cache, "--labs", "1", "--backtests", "1"]).status == 0)
        let again = try run(["simulate", "--write-cache", cache])
        #expect(again.status == 2 && again.stderr.hasPrefix("error: --write-cache: \(cache) is not empty ("))
        let file = directory.appending("file")
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        let onFile = try run(["simulate", "--write-cache", file])
        #expect(onFile.status == 2 && onFile.stderr == "error: --write-cache: \(file) is a file, not a folder\n")
    }
}

extension CLITests {
    /// `script list` and `script show` against the simulator (issue 12, in part): every reply is recorded, the
    /// source is kept as a blob whose SHA-256 is the script's version, and `query scripts` shows it.
    @Test func scriptListAndShowRecordTheScriptsAndTheirVersion() async throws {
        try await withRunningSimulator(SimulatorConfiguration(seed: 31, labs: 2, backtestsPerLab: 1)) { server in
            let (environment, url) = CLITests.login(to: server)
            let listed = try await ChildProcess.runInBackground(
                "haasledger", ["script", "list", "--ledger", ledger, "--server", url, "--format", "json"],
                environment: environment)
            #expect(listed.status == 0, "\(listed.stderr)")
            let scripts = server.world.scripts
            for script in scripts { #expect(listed.stdout.contains(#""script_id":"\#(script.id)""#)) }
            let script = scripts[0]
            let shown = try await ChildProcess.runInBackground(
                "haasledger", ["script", "show", "--ledger", ledger, "--server", url, script.id, "--source-only"],
                environment: environment)
            #expect(shown.status == 0, "\(shown.stderr)")
            #expect(shown.stdout == script.source)
            let version = SHA256Hash.of(Array(script.source.utf8)).hex
            let query = try run(["query", "scripts", "--ledger", ledger, "--format", "csv"])
            #expect(query.stdout.contains("\(script.id),\(script.name),0,yes,yes,\(version),"))
            let missing = try await ChildProcess.runInBackground(
                "haasledger", ["script", "show", "--ledger", ledger, "--server", url, "nosuch"],
                environment: environment)
            #expect(missing.status == 1 && missing.stderr.contains("Script not found"))
            let log = try EventLog.open(directory: ledger + "/log")
            let blob = try log.read { try $0.blob(SHA256Hash(hex: version)!) }
            #expect(blob.map { String(decoding: $0, as: UTF8.self) } == script.source, "the source is kept")
        }
    }
}

extension CLITests {
    /// `script debug` prints compile errors compiler-style with a suggestion, and exits 1 when the script does
    /// not compile (issue 12); the run and its errors are recorded.
    @Test func scriptDebugShowsCompileErrorsLikeACompiler() async throws {
        try await withRunningSimulator(SimulatorConfiguration(seed: 32, labs: 1, backtestsPerLab: 1)) { server in
            let (environment, url) = CLITests.login(to: server)
            let broken = try await ChildProcess.runInBackground(
                "haasledger", ["script", "debug", "--ledger", ledger, "--server", url, server.world.brokenScript.id],
                environment: environment)
            #expect(broken.status == 1)
            #expect(
                broken.stdout == """
                    Breakout Draft:3:27: error: unknown function 'ClosePrice'
                        local highs = HighestHigh(ClosePrice(), period)
                                                  ^
                        did you mean 'ClosePrices'?
                    1 error; Breakout Draft does not compile

                    """)
            let fine = try await ChildProcess.runInBackground(
                "haasledger", ["script", "debug", "--ledger", ledger, "--server", url, server.world.scripts[0].id],
                environment: environment)
            #expect(fine.status == 0 && fine.stdout.hasSuffix("Debug run finished.\n"), "\(fine.stderr)")
            let debugged = try run(["log", "show", "--ledger", ledger, "--type", "haas.script.debugged", "--format", "ndjson"])
            let lines = debugged.stdout.split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines[0].contains(#""compiled":false"#) && lines[0].contains(#""errors":[{"column":27,"line":3,"#))
            #expect(lines[1].contains(#""compiled":true"#) && lines[1].contains(#""errors":[]"#))
        }
    }
}

extension CLITests {
    /// The pinned clock plus the simulator's credentials, and its URL, for commands that talk to it.
    static func login(to server: SimulatorServer) -> (environment: [String: String], url: String) {
        let credentials = [
            "HAAS_EMAIL": server.world.configuration.email, "HAAS_PASSWORD": server.world.configuration.password,
        ]
        return (clock.merging(credentials) { $1 }, "http://127.0.0.1:\(server.port)")
    }
}
