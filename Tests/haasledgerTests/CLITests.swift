import EventLog
import EventLogTesting
import Foundation
import HaasSimulator
import JSON
import Testing

/// Golden tests of the built `haasledger` binary. The clock is pinned with HAASLEDGER_CLOCK and ids are
/// given, so every byte of output, hashes included, is reproducible.
@Suite struct CLITests {
    static let clock = ["HAASLEDGER_CLOCK": "2026-11-21T14:00:00Z"]
    static let input = """
        {"stream":"lab:L1","type":"haas.lab.observed","payload":{"name":"ADX lab","backtests":2},"id":"0190f3a0-0000-7000-8000-000000000001"}
        {"stream":"backtest:B1","type":"haas.backtest.result.observed","payload":{"roi":50.5465},"id":"0190f3a0-0000-7000-8000-000000000002","causation":1,"observed_at":"2026-11-20T10:00:00Z"}
        {"stream":"backtest:B1","type":"metrics.computed","payload":{"formula":"canonical@1","sharpe":"undefined"},"id":"0190f3a0-0000-7000-8000-000000000003","expected_version":1}

        """
    static let headHash = "4d746dba90759ecfd2302d69f00b98a3d4d29dc8f06ea9d6b6f4db32a6ba27ab"

    let directory: TemporaryDirectory
    var ledger: String { directory.appending("ledger") }

    init() throws {
        directory = try TemporaryDirectory(prefix: "haasledger-cli")
    }

    func run(_ arguments: [String], stdin: String? = nil) throws -> ChildProcess.Result {
        try ChildProcess.run("haasledger", arguments, stdin: stdin, environment: CLITests.clock)
    }

    func seeded() throws {
        let result = try run(["log", "append", "--ledger", ledger], stdin: CLITests.input)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "appended 3 events (positions 1–3)\n")
    }

    @Test func appendShowVerifyStats() throws {
        try seeded()
        let table = try run(["log", "show", "--ledger", ledger])
        #expect(
            table.stdout == """
                POSITION  RECORDED_AT                  STREAM       VERSION  TYPE                           PAYLOAD
                       1  2026-11-21T14:00:00.000000Z  lab:L1             1  haas.lab.observed              {"backtests":2,"name":"ADX lab"}
                       2  2026-11-21T14:00:00.000000Z  backtest:B1        1  haas.backtest.result.observed  {"roi":50.5465}
                       3  2026-11-21T14:00:00.000000Z  backtest:B1        2  metrics.computed               {"formula":"canonical@1","sharpe":"undefined"}

                """)
        let ndjson = try run(["log", "show", "--ledger", ledger, "--format", "ndjson", "--type", "metrics.computed"])
        #expect(
            ndjson.stdout == """
                {"blobs":[],"causation":null,"correlation_id":null,"hash":"\(CLITests.headHash)","id":"0190f3a0-0000-7000-8000-000000000003","observed_at":null,"payload":{"formula":"canonical@1","sharpe":"undefined"},"position":3,"previous_in_stream":2,"recorded_at":1795269600000000,"schema_version":1,"source":"stdin","stream":"backtest:B1","stream_version":2,"type":"metrics.computed"}

                """)
        let stream = try run([
            "log", "show", "--ledger", ledger, "--format", "ndjson", "--stream", "backtest:B1", "--limit", "1",
        ])
        #expect(stream.stdout.contains(#""causation":1,"#))
        #expect(stream.stdout.contains(#""observed_at":1795168800000000,"#))
        let verify = try run(["log", "verify", "--ledger", ledger])
        #expect(verify.status == 0)
        #expect(
            verify.stdout == """
                events checked: 3
                blobs checked:  0
                head:           3 \(CLITests.headHash)
                ok

                """)
        let stats = try run(["log", "stats", "--ledger", ledger, "--format", "json"])
        let json = try JSONParser.parse(stats.stdout.trimmingCharacters(in: .newlines))
        #expect(json["events"] == .number(3))
        #expect(json["head_position"] == .number(3))
        #expect(json["head_hash"] == .string(CLITests.headHash))
        #expect(json["streams"] == .number(2))
        #expect(json["blobs"] == .number(0))
        #expect(json["blob_bytes"] == .number(0))
        #expect((json["file_bytes"]?.numberValue?.int64Value ?? 0) > 0)
        #expect((json["map_bytes"]?.numberValue?.int64Value ?? 0) > 0)
    }

    @Test func asOfShowsTheLogAsItWas() throws {
        try seeded()
        let later = try ChildProcess.run(
            "haasledger", ["log", "append", "--ledger", ledger], stdin: #"{"stream":"lab:L1","type":"t","payload":{}}"#,
            environment: ["HAASLEDGER_CLOCK": "2026-11-22T09:00:00Z"])
        #expect(later.status == 0)
        let before = try run([
            "log", "show", "--ledger", ledger, "--as-of", "2026-11-21T23:00:00+02:00", "--format", "ndjson",
        ])
        #expect(before.stdout.split(separator: "\n").count == 3)
        let after = try run([
            "log", "show", "--ledger", ledger, "--as-of", "2026-11-22T09:00:00Z", "--format", "ndjson",
        ])
        #expect(after.stdout.split(separator: "\n").count == 4)
    }

    @Test func malformedLineFailsWholeAppend() throws {
        try seeded()
        let bad = try run(
            ["log", "append", "--ledger", ledger],
            stdin:
                "{\"stream\":\"x\",\"type\":\"t\",\"payload\":{}}\n{\"stream\":\"x\",\"type\":\"t\",\"payload\":{},\"bogus\":1}\n"
        )
        #expect(bad.status == 2)
        #expect(bad.stdout == "")
        #expect(
            bad.stderr
                == "error: stdin: line 2: unknown field 'bogus' (known: causation, correlation_id, expected_version, id, observed_at, payload, schema_version, source, stream, type)\n"
        )
        let file = directory.appending("events.ndjson")
        try "{\"stream\":\"x\",\"type\":\"t\",\"payload\":{}}\nnot json\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        let fromFile = try run(["log", "append", "--ledger", ledger, file])
        #expect(fromFile.status == 2)
        #expect(fromFile.stderr.hasPrefix("error: \(file): line 2: invalid JSON"))
        let stats = try run(["log", "stats", "--ledger", ledger, "--format", "json"])
        #expect(stats.stdout.contains(#""events":3,"#), "nothing was appended")
    }

    @Test func verifyExitsThreeAndNamesTheFirstBadPosition() throws {
        try seeded()
        try RawLMDB.modify(directory: ledger + "/log", database: "events", key: RawLMDB.positionKey(2)) { record in
            let index = record.lastIndex(of: UInt8(ascii: "5"))!
            record[index] = UInt8(ascii: "6")
        }
        let verify = try run(["log", "verify", "--ledger", ledger])
        #expect(verify.status == 3)
        #expect(verify.stdout.contains("FAILED: first bad position 2: hash mismatch"))
        #expect(verify.stderr.hasPrefix("error: integrity failure: first bad position 2: hash mismatch"))
        let json = try run(["log", "verify", "--ledger", ledger, "--format", "json"])
        #expect(json.status == 3)
        #expect(json.stdout.contains(#""first_bad_position":2,"#))
        #expect(json.stdout.contains(#""ok":false"#))
    }

    @Test func exportImportRoundTripKeepsTheHeadHash() throws {
        try seeded()
        let exportFile = directory.appending("export.ndjson")
        let export = try run(["log", "export", "--ledger", ledger, exportFile])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stderr == "exported 3 events to \(exportFile)\n")
        let copy = directory.appending("copy")
        let imported = try run(["log", "import", "--ledger", copy, exportFile])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout == "imported 3 events; head hash \(CLITests.headHash)\n")
        let original = try run(["log", "export", "--ledger", ledger])
        let again = try run(["log", "export", "--ledger", copy])
        #expect(again.stdout == original.stdout)
        #expect(try String(contentsOfFile: exportFile, encoding: .utf8) == original.stdout)

        let garbage = directory.appending("garbage.ndjson")
        try "<html>not an export</html>\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        let failed = try run(["log", "import", "--ledger", directory.appending("never"), garbage])
        #expect(failed.status == 2)
        #expect(failed.stderr == "error: \(garbage): line 1: not JSON: unexpected character '<' at byte 1\n")
        #expect(
            !FileManager.default.fileExists(atPath: directory.appending("never")),
            "a failed import leaves no ledger behind")

        let refused = try run(["log", "import", "--ledger", ledger, exportFile])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("refusing to import into \(ledger)/log: it already holds 3 events"))
    }

    @Test func followPrintsEventsAppendedLater() throws {
        try seeded()
        let follower = try ChildProcess.Streaming(
            "haasledger",
            ["log", "show", "--ledger", ledger, "--follow", "--format", "ndjson", "--from", "3", "--interval", "0.05"])
        defer { follower.kill() }
        let existing = try #require(follower.nextLine())
        #expect(existing.contains(#""position":3,"#))
        let appended = try run(
            ["log", "append", "--ledger", ledger], stdin: #"{"stream":"lab:L1","type":"late","payload":{"n":4}}"#)
        #expect(appended.status == 0)
        let next = try #require(follower.nextLine())
        #expect(next.contains(#""position":4,"#))
        #expect(next.contains(#""type":"late""#))
    }

    @Test func usageAndMissingLedgerErrors() throws {
        let unknownFlag = try run(["log", "show", "--bogus"])
        #expect(unknownFlag.status == 2)
        #expect(unknownFlag.stderr.contains("Unknown option '--bogus'"))
        let badHead = try run(["log", "verify", "--ledger", ledger, "--expect-head", "xyz"])
        #expect(badHead.status == 2)
        #expect(badHead.stderr.contains("--expect-head must be 64 hexadecimal digits"))
        let missing = try run(["log", "stats", "--ledger", ledger])
        #expect(missing.status == 1)
        #expect(missing.stderr == "error: no ledger at \(ledger) (pass --ledger PATH or set HAASLEDGER_PATH)\n")
        let unreadable = try run(["log", "append", "--ledger", ledger, directory.appending("absent.ndjson")])
        #expect(unreadable.status == 1)
        #expect(unreadable.stderr.contains("absent.ndjson: No such file or directory"))
    }

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
        let second = try run(["demo", "--ledger", demo, "--labs", "2", "--backtests", "5"])
        #expect(second.stdout.contains("10 backtests, 0 runtimes (10 already recorded)"))
        let bad = try run(["demo", "--ledger", demo, "--faults", "meteor:1"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--faults: 'meteor:1': unknown fault kind"))
    }
}

extension CLITests {
    /// The writer caches stream heads between batches; a commit by another process must invalidate that cache.
    @Test func appendsFromAnotherProcessAreSeenByAnOpenWriter() throws {
        let log = try EventLog.open(directory: ledger + "/log")
        try log.append(EventDraft(stream: "lab:L9", type: "t", payload: Payload(.object([]))))
        let other = try run(
            ["log", "append", "--ledger", ledger], stdin: #"{"stream":"lab:L9","type":"t","payload":{}}"#)
        #expect(other.status == 0, "\(other.stderr)")
        let outcome = try log.append(
            EventDraft(stream: "lab:L9", type: "t", payload: Payload(.object([])), expectedVersion: 2))
        #expect(outcome == .appended(position: 3, streamVersion: 3))
        #expect(try log.verify().isValid)
    }
}

extension CLITests {
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
}

extension CLITests {
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
    static var vectors: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("BacktestMetricsTests/Vectors").path
    }

    @Test func metricsCheckFormulasAndRecompute() throws {
        let check = try run(["metrics", "check", CLITests.vectors + "/v1_crypto_daily_long_short.json"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.hasSuffix("32 of 32 values match canonical@1\n"))
        #expect(check.stdout.contains("v1_crypto_daily_long_short  sharpe_ratio"))
        let edge = try run(["metrics", "check", CLITests.vectors + "/v3_edge_cases.json"])
        #expect(edge.status == 0)
        #expect(edge.stdout.contains("sortino_ratio") && edge.stdout.contains("+inf"))

        let altered = directory.appending("altered.json")
        let text = try String(contentsOfFile: CLITests.vectors + "/v1_crypto_daily_long_short.json", encoding: .utf8)
            .replacingOccurrences(of: "\"sharpe_ratio\": 3.062046731", with: "\"sharpe_ratio\": 3.1")
        try text.write(toFile: altered, atomically: true, encoding: .utf8)
        let mismatch = try run(["metrics", "check", altered])
        #expect(mismatch.status == 1)
        #expect(mismatch.stdout.contains("MISMATCH"))

        let malformed = directory.appending("malformed.json")
        try
            #"{"schema":"metrics-fixture/1","cases":[{"case_id":"a","inputs":{"equity":[{"t":"2024-01-01T00:00:00","value":"x"}]}}]}"#
            .write(toFile: malformed, atomically: true, encoding: .utf8)
        let bad = try run(["metrics", "check", malformed])
        #expect(bad.status == 2)
        #expect(bad.stderr == "error: \(malformed): cases[0].inputs.equity[0].value: expected a number\n")
        let unknown = try run(["metrics", "check", malformed, "--formula", "canonical@7"])
        #expect(unknown.status == 2)

        let formulas = try run(["metrics", "formulas"])
        #expect(formulas.stdout.hasPrefix("canonical@1 (default) — "))
        #expect(formulas.stdout.contains("    ddof: 1\n"))

        let missing = try run(["metrics", "recompute", "--ledger", ledger])
        #expect(missing.status == 1)
    }
}

extension CLITests {
    @Test func queriesSQLAndProjectCommands() throws {
        let demo = directory.appending("rm")
        #expect(try run(["demo", "--ledger", demo, "--labs", "1", "--backtests", "4"]).status == 0)
        let json = try run([
            "query", "backtests", "--ledger", demo, "--format", "ndjson", "--sort", "total_return", "--limit", "2",
        ])
        #expect(json.status == 0, "\(json.stderr)")
        let lines = json.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix(#"{"backtest_id":""#))
        #expect(
            lines[0].contains(#","lab_id":""#) && lines[0].contains(#","generation":"#)
                && lines[0].contains(#","market":""#))
        let table = try run(["query", "backtests", "--ledger", demo])
        #expect(table.stdout.hasPrefix("BACKTEST_ID"))
        #expect(table.stdout.contains("SHARPE_RATIO") && !table.stdout.contains("AVG_TRADE_RETURN"))
        let badWhere = try run(["query", "backtests", "--ledger", demo, "--where", "sharpe"])
        #expect(badWhere.status == 2)
        // A name no event recorded is an input error naming its flag, not an empty or unsorted answer.
        for (arguments, message) in [
            (["query", "backtests", "--sort", "sharpe"], "error: --sort: no metric 'sharpe' was recorded; recorded: "),
            (["query", "backtests", "--where", "trades>3"], "error: --where: no metric 'trades' was recorded"),
            (["query", "backtests", "--formula", "canonical@9"], "error: --formula: no formula 'canonical@9'"),
            (["diff", "--formula", "canonical@1", "--formula", "canonical@2"], "error: --formula: no formula 'canonical@2'"),
            (["export", "csv", "--formula", "canonical@9"], "error: --formula: no formula 'canonical@9'"),
        ] {
            let refused = try run(arguments + ["--ledger", demo])
            #expect(refused.status == 2 && refused.stderr.hasPrefix(message), "\(arguments): \(refused.stderr)")
        }

        let count = try run([
            "sql", "--ledger", demo, "--format", "csv", "SELECT count(*) AS n FROM backtests WHERE valid_to IS NULL",
        ])
        #expect(count.stdout == "n\n4\n")
        for statement in [
            "DELETE FROM backtests", "ATTACH DATABASE 'x.db' AS x", "PRAGMA journal_mode=DELETE",
            "CREATE TABLE evil (x)",
        ] {
            let refused = try run(["sql", "--ledger", demo, statement])
            #expect(refused.status == 2, "\(statement) was not refused")
            #expect(refused.stderr.hasPrefix("error: sql: "))
        }
        let labs = try run(["query", "labs", "--ledger", demo, "--format", "csv"])
        #expect(labs.stdout.split(separator: "\n").count == 2, "header and one lab")
        let cache = try run(["query", "cache", "--ledger", demo, "--format", "ndjson"])
        let cached = cache.stdout.split(separator: "\n")
        #expect(
            cached.contains { $0.contains(#""kind":"GET_LABS""#) && $0.contains(#""fetch_count":2"#) },
            "the identical GET_LABS body of both demo fetches is one blob fetched twice")
        #expect(cached.contains { $0.contains(#""kind":"GET_BACKTEST_RUNTIME""#) })
        let cutoffs = try run(["query", "cutoffs", "--ledger", demo, "--format", "csv"])
        #expect(cutoffs.stdout == "market,status,synched,max_months,cutoff,method,precision,valid_from\n")
        let exported = try run(["export", "csv", "--ledger", demo])
        let csv = exported.stdout.split(separator: "\n").map(String.init)
        #expect(csv[0].hasPrefix("account_id,backtest_id,beats_buy_hold,end_time,fees_usdt,generation,interval,"))
        #expect(csv[0].hasSuffix(",formula,as_of"))
        #expect(csv.count == 5)
        let header = csv[0].split(separator: ",").map(String.init)
        let firstRow = csv[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let exportedRow = Dictionary(uniqueKeysWithValues: zip(header, firstRow))
        let queried = try JSONParser.parse(
            try run(["query", "backtests", "--ledger", demo, "--format", "json"]).stdout.trimmingCharacters(
                in: .newlines))
        guard case .array(let backtests) = queried else { Issue.record("query json is not an array"); return }
        let match = try #require(backtests.first { $0["backtest_id"]?.stringValue == exportedRow["backtest_id"] })
        #expect(
            exportedRow["max_drawdown"] == match["max_drawdown"]?.numberValue?.canonicalText,
            "the computed drawdown, not RM")
        #expect(exportedRow["generation"] == match["generation"]?.numberValue?.canonicalText)
        #expect(exportedRow["interval"] == "15" && exportedRow["formula"] == "canonical@1")
        #expect(exportedRow["stop_loss_percentage"]?.isEmpty == false, "from the script's Stop Loss parameter")
        let status = try run(["project", "status", "--ledger", demo, "--format", "json"])
        #expect(status.stdout.contains(#""lag_events":0"#))
        let rebuilt = try run(["project", "rebuild", "--ledger", demo])
        #expect(rebuilt.stdout.hasPrefix("rebuilt the read models through position "))
        let again = try run([
            "query", "backtests", "--ledger", demo, "--format", "ndjson", "--sort", "total_return", "--limit", "2",
        ])
        #expect(again.stdout == json.stdout, "rebuilt read models answer byte for byte the same")
        let early = try run(["query", "backtests", "--ledger", demo, "--at-position", "3", "--format", "csv"])
        #expect(
            early.stdout == "backtest_id,lab_id,generation,population,market\n",
            "nothing about backtests was known at position 3")

        // A damaged read-model file is named with the way out; the rebuild replaces it from the log.
        let readModels = demo + "/readmodels.sqlite"
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: readModels + suffix) }
        try Data("<html><body>502 Bad Gateway</body></html>".utf8).write(to: URL(fileURLWithPath: readModels))
        let damaged = try run(["query", "labs", "--ledger", demo])
        #expect(damaged.status == 1)
        #expect(damaged.stderr.contains(readModels) && damaged.stderr.contains("haasledger project rebuild"))
        #expect(try run(["project", "rebuild", "--ledger", demo]).status == 0)
        #expect(try run(["query", "labs", "--ledger", demo, "--format", "csv"]).stdout == labs.stdout)
    }

    /// `import` end to end: a dry run lists files and records nothing, a malformed file is reported as
    /// `path: reason` and makes the exit status 1 while the other files import, and a re-import skips them.
    @Test func importReportsFailuresPerFileAndSkipsOnReimport() throws {
        let cache = directory.appending("cache")
        let written = try run(["simulate", "--labs", "2", "--backtests", "2", "--write-cache", cache])
        #expect(written.status == 0, "\(written.stderr)")
        let files = written.stderr.split(separator: " ").dropFirst().first.map(String.init) ?? "?"
        let broken = cache + "/unified_cache/backtests/lab_backtest.json"
        try Data("{\"Reports\": ".utf8).write(to: URL(fileURLWithPath: broken))

        let dry = try run(["import", "--ledger", ledger, "--dry-run", cache])
        #expect(dry.status == 1)
        #expect(dry.stderr.hasPrefix("\(broken): not valid JSON: unexpected end of input"), "\(dry.stderr)")
        #expect(dry.stdout.contains("would import\tunified_cache.runtime\t"))
        #expect(CLITests.tableValue(dry.stdout, "files would import") == files, "\(dry.stdout)")
        #expect(!FileManager.default.fileExists(atPath: ledger), "a dry run creates nothing")

        let real = try run(["import", "--ledger", ledger, "--server-label", "desk", "--format", "json", cache])
        #expect(real.status == 1)
        #expect(real.stderr.contains("error: 1 file(s) could not be imported; see import.failed events"))
        let summary = try JSONParser.parse(real.stdout.trimmingCharacters(in: .newlines))
        #expect(summary["imported"] == .number(Int(files) ?? -1))
        #expect(summary["failed"] == .number(1))
        #expect(summary["metrics_computed"] == summary["runtimes"])

        let failures = try run(["log", "show", "--ledger", ledger, "--type", "import.failed", "--format", "ndjson"])
        #expect(failures.stdout.contains(#""source":"\#(broken)""#))

        try FileManager.default.removeItem(atPath: broken)
        let again = try run(["import", "--ledger", ledger, cache])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(CLITests.tableValue(again.stdout, "files skipped (already imported)") == files, "\(again.stdout)")
        let missing = try run(["import", "--ledger", ledger, directory.appending("nowhere")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nowhere: No such file or directory"))
        let notes = directory.appending("notes.txt")
        try Data("not a cache".utf8).write(to: URL(fileURLWithPath: notes))
        let before = try run(["log", "stats", "--ledger", ledger, "--format", "json"]).stdout
        let named = try run(["import", "--ledger", ledger, cache, notes])
        #expect(named.status == 2)
        #expect(named.stderr.contains("\(notes): not a pyHaasAPI cache file"), "\(named.stderr)")
        #expect(try run(["log", "stats", "--ledger", ledger, "--format", "json"]).stdout == before, "nothing recorded")
    }

    /// The value column of a two-column summary table row.
    static func tableValue(_ output: String, _ label: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix(label + "  ") }?.split(separator: " ").last.map(String.init)
    }
}
