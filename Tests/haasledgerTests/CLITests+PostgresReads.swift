import EventLogTesting
import Foundation
import JSON
import Testing

/// The read commands given `--postgres`: the same answers from the shared database as from the ledger's own
/// read models, without the ledger.
extension PostgresSyncTests {
    /// The read commands compared, each with the flags of a moment where it takes one (positions within the
    /// ledger's `head`: a later one is refused).
    func readCommands(backtest: String, time: String, head: Int) -> [[String]] {
        [
            ["query", "backtests"],
            ["query", "backtests", "--limit", "5", "--sort", "sharpe_ratio"],
            ["query", "backtests", "--limit", "7", "--sort", "max_drawdown", "--asc"],
            ["query", "backtests", "--where", "num_trades>=5", "--sort", "profit_factor", "--at-position", "\(head)"],
            ["query", "backtests", "--limit", "10", "--as-of", time],
            ["query", "backtests", "--formula", "canonical@1", "--param", "Stop Loss", "--limit", "8"],
            ["query", "labs"], ["query", "labs", "--summary"], ["query", "labs", "--at-position", "150"],
            ["query", "scripts"], ["query", "executions"], ["query", "cutoffs"], ["query", "cache"],
            ["query", "cache", "--as-of", time], ["sweep", "list"],
            ["history", backtest], ["history", backtest, "--formula", "canonical@1"],
            ["diff", "--from", "#\(head / 3)", "--to", "#\(head)"], ["diff", "--from", time],
            ["diff", "--formula", "canonical@1", "--formula", "canonical@2"],
            ["diff", "--formula", "canonical@1", "--formula", "canonical@2", "--summary", "--at-position", "\(head)"],
            ["export", "csv"], ["export", "csv", "--at-position", "\(head * 2 / 3)"],
            ["export", "csv", "--as-of", time],
            ["report"], ["report", "--at-position", "\(head * 2 / 3)", "--since", "#\(head / 3)", "--top", "5"],
            ["report", "--formula", "canonical@1", "--compare-formula", "canonical@2", "--detailed", "1"],
        ]
    }

    /// Each read command prints the same JSON from the ledger and from its rows in the database (read with a
    /// `--ledger` that does not exist, so nothing local can answer).
    func expectSameReads(_ ledger: String, ledgerID: String? = nil) throws {
        func rows(_ arguments: [String]) throws -> [JSONValue] {
            let result = try cli.run(arguments + ["--ledger", ledger, "--format", "json"])
            guard case .array(let rows) = try JSONParser.parse(result.stdout) else { return [] }
            return rows
        }
        let backtest = try #require(
            try rows(["query", "backtests", "--limit", "1"]).first?["backtest_id"]?.stringValue)
        let time = String(CLITests.clock["HAASLEDGER_CLOCK"] ?? "")
        let elsewhere = cli.directory.appending("no-ledger-here")
        // An observe-only demo runs, sweeps and lists no script; a time diff is empty until the revision.
        let mayBeEmpty: Set<[String]> = [
            ["query", "executions"], ["query", "cutoffs"], ["query", "scripts"], ["sweep", "list"],
            ["diff", "--from", time],
        ]
        let stats = try cli.run(["log", "stats", "--ledger", ledger, "--format", "json"])
        let head = try #require(
            Int(try JSONParser.parse(stats.stdout)["head_position"]?.numberValue?.canonicalText ?? ""))
        for command in readCommands(backtest: backtest, time: time, head: head) {
            let format = ["export", "report"].contains(command.first) ? [] : ["--format", "json"]
            let local = try cli.run(command + ["--ledger", ledger] + format)
            let shared = try cli.run(
                command + ["--ledger", elsewhere, "--postgres", url] + format
                    + (ledgerID.map { ["--ledger-id", $0] } ?? []))
            #expect(local.status == 0 && shared.status == 0, "\(command): \(local.stderr)\(shared.stderr)")
            #expect(local.stdout == shared.stdout, "\(command) differs")
            #expect(mayBeEmpty.contains(command) || local.stdout.count > 20, "\(command) answered nothing")
            if command.first == "report" {
                // Detailed backtests are drawn from the runtime bodies the sync copied.
                #expect(shared.stdout.contains("<section class=\"backtest\">"), "\(command) details no backtest")
            }
        }
        // The workbook, trades (from the runtime bodies) included: every part but its creation time the same bytes.
        let books = [cli.directory.appending("local.xlsx"), cli.directory.appending("shared.xlsx")]
        let localBook = try cli.run([
            "export", "xlsx", "--ledger", ledger, "-o", books[0], "--at-position", "\(head * 3 / 4)", "--trades",
        ])
        let sharedBook = try cli.run(
            [
                "export", "xlsx", "--ledger", elsewhere, "--postgres", url, "-o", books[1], "--at-position",
                "\(head * 3 / 4)", "--trades",
            ]
                + (ledgerID.map { ["--ledger-id", $0] } ?? []))
        #expect(localBook.status == 0 && sharedBook.status == 0, "\(localBook.stderr)\(sharedBook.stderr)")
        #expect(
            sharedBook.stderr.contains("trades ") && !sharedBook.stderr.contains("trades 0"), "\(sharedBook.stderr)")
        let compare = try ChildProcess.run(
            program: "/usr/bin/env",
            [
                "python3", "-c",
                "import sys, zipfile; a, b = (zipfile.ZipFile(p) for p in sys.argv[1:]); print(sorted(set(a.namelist()) ^ set(b.namelist())) + [n for n in a.namelist() if n != 'docProps/core.xml' and n in b.namelist() and a.read(n) != b.read(n)])",
            ] + books)
        #expect(compare.stdout == "[]\n", "the workbooks differ: \(compare.stdout)\(compare.stderr)")
        #expect(!FileManager.default.fileExists(atPath: elsewhere), "a read on PostgreSQL created a ledger")
    }

    @Test func readCommandsOnPostgresAnswerAsOnTheLedger() throws {
        let ledger = try demoLedger("one")
        try sync(ledger)
        try expectSameReads(ledger)
        // After new events (a day later) and an incremental sync, the moments before and after them still agree.
        let revised = try cli.run(
            ["demo", "--ledger", ledger, "--labs", "2", "--backtests", "30", "--revision", "3", "--observe-only"],
            environment: ["HAASLEDGER_CLOCK": "2026-11-22T09:00:00Z"])
        #expect(revised.status == 0, "\(revised.stderr)")
        try sync(ledger)
        try expectSameReads(ledger)
        // With a second ledger in the schema, a read names the one it means.
        let two = try demoLedger("two", backtests: 12)
        try sync(two)
        let ambiguous = try cli.run(["query", "labs", "--postgres", url])
        #expect(
            ambiguous.status == 2 && ambiguous.stderr.contains("name one with --ledger-id"), "\(ambiguous.stderr)")
        try expectSameReads(ledger, ledgerID: try ledgerID(ledger))
        try expectSameReads(two, ledgerID: try ledgerID(two))
        // `sql --postgres` finds a ledger's position for a time through the synced events.
        let statement = "SELECT count(*) AS n FROM backtests WHERE valid_from <= :asof"
        let time = "2100-01-01T00:00:00Z"
        let local = try cli.run(["sql", "--ledger", two, "--as-of", time, "--format", "csv", statement])
        let shared = try cli.run([
            "sql", "--postgres", url, "--ledger-id", try ledgerID(two), "--as-of", time, "--format", "csv", statement,
        ])
        #expect(local.status == 0 && local.stdout == shared.stdout, "\(local.stdout) \(shared.stdout)\(shared.stderr)")
        let noLedger = try cli.run(["sql", "--postgres", url, "--as-of", time, statement])
        #expect(noLedger.status == 2 && noLedger.stderr.contains("--ledger-id"), "\(noLedger.stderr)")
        let unknown = try cli.run(["query", "labs", "--postgres", url, "--ledger-id", "0123456789abcdef"])
        #expect(unknown.status == 2 && unknown.stderr.contains("no ledger 0123456789abcdef"), "\(unknown.stderr)")
        let noBody = try cli.run([
            "report", "--postgres", url, "--ledger-id", "0123456789abcdef", "-o", cli.directory.appending("r.html"),
        ])
        #expect(noBody.status == 2 && noBody.stderr.contains("no ledger 0123456789abcdef"), "\(noBody.stderr)")
        let localOnly = try cli.run(["query", "labs", "--ledger", ledger, "--ledger-id", "0123456789abcdef"])
        #expect(localOnly.status == 2 && localOnly.stderr.contains("--postgres"), "\(localOnly.stderr)")
    }
}

extension PostgresSyncTests {
    /// A top-N on PostgreSQL first walks the numbers without asking whether each one's backtest is valid at the
    /// position; a number whose backtest has no row there (metrics appended for a backtest never fetched) must
    /// send it back to the walk that asks, so the answer stays SQLite's.
    @Test func aTopNWithANumberOfNoBacktestAnswersAsOnTheLedger() throws {
        let ledger = try demoLedger("ghost", backtests: 12)
        let values = #"{"total_return":1000000,"sharpe_ratio":1000000,"num_trades":1}"#
        let line =
            #"{"stream":"backtest:ghost","type":"metrics.computed","causation":1,"payload":{"backtest_id":"ghost","formula":"canonical@2","values":"#
            + values + "}}"
        let appended = try cli.run(["log", "append", "--ledger", ledger], stdin: line)
        #expect(appended.status == 0, "\(appended.stderr)")
        try sync(ledger)
        for sort in ["total_return", "sharpe_ratio"] {
            let command = ["query", "backtests", "--sort", sort, "--limit", "5", "--format", "json"]
            let local = try cli.run(command + ["--ledger", ledger])
            let shared = try cli.run(command + ["--ledger", cli.directory.appending("nowhere"), "--postgres", url])
            #expect(local.status == 0 && shared.status == 0, "\(local.stderr)\(shared.stderr)")
            #expect(
                local.stdout == shared.stdout && !local.stdout.contains("ghost"), "\(local.stdout)\n\(shared.stdout)")
        }
    }
}
