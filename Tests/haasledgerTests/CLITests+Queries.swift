import EventLog
import EventLogTesting
import Foundation
import HaasSimulator
import JSON
import Testing

extension CLITests {
    @Test func queriesSQLAndProjectCommands() throws {
        let demo = directory.appending("rm")
        #expect(try run(["demo", "--ledger", demo, "--labs", "1", "--backtests", "4", "--observe-only"]).status == 0)
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
            (
                ["diff", "--formula", "canonical@1", "--formula", "canonical@3"],
                "error: --formula: no formula 'canonical@3'"
            ),
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
            "CREATE TABLE evil (x)", "SELECT 1; DELETE FROM labs",
        ] {
            let refused = try run(["sql", "--ledger", demo, statement])
            #expect(refused.status == 2, "\(statement) was not refused")
            #expect(refused.stderr.hasPrefix("error: sql: "))
        }
        // One statement at a time (a trailing comment is not a statement), and none runs past --timeout.
        let several = try run(["sql", "--ledger", demo, "SELECT 1; SELECT 2"])
        #expect(several.stderr == "error: sql: one statement at a time (the SQL holds more than one)\n")
        let commented = try run(["sql", "--ledger", demo, "SELECT 7 AS n; -- done", "--format", "csv"])
        #expect(commented.stdout == "n\n7\n", "\(commented.stderr)")
        let endless = try run([
            "sql", "--ledger", demo, "--timeout", "0.2",
            "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r",
        ])
        #expect(endless.status == 1)
        #expect(endless.stderr.contains("stopped after 0.2 s (--timeout)"), "\(endless.stderr)")
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
        // The demo recorded under canonical@1 and recomputed under canonical@2: the default is the newer one.
        #expect(exportedRow["interval"] == "15" && exportedRow["formula"] == "canonical@2")
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
            early.stdout
                == "backtest_id,lab_id,generation,population,market,script_version,parameters,script_name,reported_roi\n",
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
}

extension CLITests {
    /// +inf and -inf order and compare as numbers; undefined fails every --where and sorts last either way,
    /// on the top-N path (--sort with --limit) as on the full scan.
    @Test func infinitiesOrderAsNumbersAndUndefinedSortsLast() throws {
        let values = ["B1": #""+inf""#, "B2": "2.5", "B3": "0", "B4": #""undefined""#, "B5": #""-inf""#]
        var lines: [String] = []
        for (id, value) in values.sorted(by: { $0.key < $1.key }) {
            lines.append(
                #"{"stream":"backtest:\#(id)","type":"haas.backtest.result.observed","payload":{"lab_id":"L1","backtest_id":"\#(id)"}}"#
            )
            lines.append(
                #"{"stream":"backtest:\#(id)","type":"metrics.computed","payload":{"backtest_id":"\#(id)","formula":"canonical@2","values":{"profit_factor":\#(value)}}}"#
            )
        }
        let appended = try run(["log", "append", "--ledger", ledger], stdin: lines.joined(separator: "\n") + "\n")
        #expect(appended.status == 0, "\(appended.stderr)")
        func ids(_ arguments: [String]) throws -> [String] {
            let result = try run(["query", "backtests", "--ledger", ledger, "--format", "csv"] + arguments)
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout.split(separator: "\n").dropFirst().map { String($0.prefix(2)) }
        }
        #expect(try ids(["--sort", "profit_factor"]) == ["B1", "B2", "B3", "B5", "B4"])
        #expect(try ids(["--sort", "profit_factor", "--asc"]) == ["B5", "B3", "B2", "B1", "B4"])
        #expect(try ids(["--sort", "profit_factor", "--limit", "2"]) == ["B1", "B2"])
        #expect(try ids(["--sort", "profit_factor", "--asc", "--limit", "2"]) == ["B5", "B3"])
        #expect(try ids(["--where", "profit_factor>=0"]) == ["B1", "B2", "B3"])
        #expect(try ids(["--where", "profit_factor<0"]) == ["B5"])
        #expect(try ids(["--where", "profit_factor!=1"]) == ["B1", "B2", "B3", "B5"])
    }
}

extension CLITests {
    /// `query labs --summary`: per lab, the spread of total return and the share profitable (issue 14 §3),
    /// matching the backtests `query backtests` shows.
    @Test func labSummaryAgreesWithTheBacktests() throws {
        let demo = directory.appending("summary")
        #expect(try run(["demo", "--ledger", demo, "--labs", "2", "--backtests", "5", "--observe-only"]).status == 0)
        let summary = try run(["query", "labs", "--ledger", demo, "--summary", "--format", "csv"])
        #expect(summary.status == 0, "\(summary.stderr)")
        let rows = summary.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(rows.count == 2)
        let backtests = try run(["query", "backtests", "--ledger", demo, "--format", "ndjson"]).stdout
            .split(separator: "\n").map { try JSONParser.parse(String($0)) }
        for row in rows {
            let returns = backtests.filter { $0["lab_id"]?.stringValue == row[0] }
                .compactMap { $0["total_return"]?.numberValue?.doubleValue }
            #expect(row[2] == "5" && row[3] == String(returns.count))
            #expect(Double(row[4]) == returns.max() && Double(row[6]) == returns.min())
            #expect(Double(row[7]) == Double(returns.filter { $0 > 0 }.count) / Double(returns.count))
            #expect(row[8] == "canonical@2")
        }
    }
}

extension CLITests {
    /// Tables fit the terminal (issue 14 §3): ids shortened in the middle, then columns left out from the right
    /// with a word on stderr; `--wide` shows all, `--columns` picks them; pipes get the whole table.
    @Test func tablesFitTheTerminal() throws {
        let demo = directory.appending("fit")
        #expect(try run(["demo", "--ledger", demo, "--labs", "1", "--backtests", "3", "--observe-only"]).status == 0)
        let whole = try run(["query", "backtests", "--ledger", demo])
        let wholeWidth = whole.stdout.split(separator: "\n").map(\.count).max() ?? 0
        #expect(wholeWidth > 100 && whole.stderr.isEmpty)
        let fitted = try run(["query", "backtests", "--ledger", demo], environment: ["COLUMNS": "80"])
        let lines = fitted.stdout.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 80 }, "\(fitted.stdout)")
        #expect(lines.count == 4 && lines[1].contains("…"), "ids shortened in the middle: \(fitted.stdout)")
        #expect(fitted.stderr.contains("left out to fit the terminal: "), "\(fitted.stderr)")
        let wide = try run(["query", "backtests", "--ledger", demo, "--wide"], environment: ["COLUMNS": "80"])
        #expect(wide.stdout.contains("ANNUAL_VOLATILITY") && wide.stderr.isEmpty)
        let picked = try run(
            ["query", "backtests", "--ledger", demo, "--columns", "backtest_id,sharpe_ratio"],
            environment: ["COLUMNS": "20"])
        #expect(picked.stdout.split(separator: "\n").first == "BACKTEST_ID                           SHARPE_RATIO")
        let unknown = try run(["query", "backtests", "--ledger", demo, "--columns", "sharpe"])
        #expect(unknown.status == 2 && unknown.stderr.contains("--columns: no column 'sharpe' (known: backtest_id,"))
        let none = try run(["query", "backtests", "--ledger", demo, "--columns", ""])
        #expect(none.status == 2 && none.stdout.isEmpty && none.stderr.contains("--columns: name each column"))
    }
}
