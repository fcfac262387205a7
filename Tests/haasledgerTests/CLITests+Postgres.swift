import EventLogTesting
import Foundation
import JSON
import Projections
import Testing

/// `project sync --postgres` and `sql --postgres` against a real PostgreSQL server of the test's own.
@Suite(.enabled(if: PostgresCluster.unavailableReason == nil, "\(PostgresCluster.unavailableReason ?? "")"))
struct PostgresSyncTests {
    let cli: CLITests
    let cluster: PostgresCluster

    init() throws {
        cli = try CLITests()
        cluster = try PostgresCluster()
        try cluster.createDatabase("team")
    }

    var url: String { cluster.url("team") }

    func demoLedger(_ name: String, backtests: Int = 30, revision: Int = 2) throws -> String {
        let ledger = cli.directory.appending(name)
        let demo = try cli.run([
            "demo", "--ledger", ledger, "--labs", "2", "--backtests", String(backtests), "--revision", String(revision),
            "--observe-only",
        ])
        #expect(demo.status == 0, "\(demo.stderr)")
        return ledger
    }

    func ledgerID(_ ledger: String) throws -> String {
        let stats = try cli.run(["log", "stats", "--ledger", ledger, "--format", "json"])
        return try #require(try JSONParser.parse(stats.stdout)["ledger_id"]?.stringValue)
    }

    @discardableResult
    func sync(_ ledger: String, expect status: Int32 = 0) throws -> String {
        let result = try cli.run(["project", "sync", "--ledger", ledger, "--postgres", url])
        #expect(result.status == status, "\(result.stdout)\(result.stderr)")
        #expect(!(result.stdout + result.stderr).contains(cluster.password), "the password was printed")
        return result.stdout + result.stderr
    }

    /// The tables whose columns are SQLite's (the metric tables are compared through the backtest_metrics view).
    static let comparedTables: [(name: String, columns: [String])] =
        MirroredTable.all.filter { !$0.name.hasPrefix("backtest_metric") }.map { ($0.name, $0.columns) } + [
            (
                "backtest_metrics",
                [
                    "backtest_id", "formula", "metric", "value", "value_text", "runtime_position", "valid_from",
                    "valid_to",
                ]
            )
        ]

    /// `sql` on SQLite and `sql --postgres --ledger-id` give the same JSON for `statement` at `position`.
    func expectSameAnswer(_ ledger: String, _ statement: String, at position: UInt64? = nil) throws {
        let moment = position.map { ["--at-position", String($0)] } ?? []
        let local = try cli.run(["sql", "--ledger", ledger, "--format", "json", statement] + moment)
        let shared = try cli.run(
            ["sql", "--postgres", url, "--ledger-id", try ledgerID(ledger), "--format", "json", statement] + moment)
        #expect(local.status == 0 && shared.status == 0, "\(local.stderr)\(shared.stderr)")
        #expect(local.stdout == shared.stdout, "differs: \(statement)")
    }

    /// Every row of every table, and the rows valid at a few positions, are the same in both.
    func expectSameReadModels(_ ledger: String, positions: [UInt64]) throws {
        for table in Self.comparedTables {
            let columns = table.columns.joined(separator: ", ")
            let order = table.columns.map { "\($0) NULLS FIRST" }.joined(separator: ", ")
            try expectSameAnswer(ledger, "SELECT \(columns) FROM \(table.name) ORDER BY \(order)")
        }
        for position in positions {
            try expectSameAnswer(
                ledger,
                """
                SELECT backtest_id, value FROM backtest_metrics WHERE metric = 'total_return'
                AND valid_from <= :asof AND (valid_to IS NULL OR valid_to > :asof) ORDER BY value DESC, backtest_id LIMIT 20
                """, at: position)
            try expectSameAnswer(
                ledger,
                """
                SELECT backtest_id, lab_id, reported_roi FROM backtests
                WHERE valid_from <= :asof AND (valid_to IS NULL OR valid_to > :asof) ORDER BY backtest_id
                """, at: position)
        }
    }

    @Test func bulkThenIncrementalSyncAnswersAsTheSQLiteReadModels() throws {
        let ledger = try demoLedger("one")
        let first = try sync(ledger)
        #expect(first.hasPrefix("synced ledger \(try ledgerID(ledger)) into postgres://haas@127.0.0.1:"))
        #expect(first.contains("positions 1–"))
        try expectSameReadModels(ledger, positions: [100, 400])
        // New events: a second revision of the same labs changes backtests and their metrics.
        let revised = try cli.run([
            "demo", "--ledger", ledger, "--labs", "2", "--backtests", "30", "--revision", "3", "--observe-only",
        ])
        #expect(revised.status == 0, "\(revised.stderr)")
        let second = try sync(ledger)
        #expect(second.contains("versions closed") && !second.contains("positions 1–"), "\(second)")
        try expectSameReadModels(ledger, positions: [100, 700, 900])
        #expect(try sync(ledger).contains("is up to date"))
        // The password went into no event either.
        let export = try cli.run(["log", "export", "--ledger", ledger])
        #expect(export.status == 0 && !export.stdout.contains(cluster.password))
    }

    @Test func sqlOnPostgresIsReadOnlyAndNamesWhatItRefuses() throws {
        let ledger = try demoLedger("one")
        try sync(ledger)
        let id = try ledgerID(ledger)
        for (statement, reason) in [
            ("DELETE FROM labs", "only read-only statements"),
            ("WITH gone AS (DELETE FROM labs RETURNING 1) SELECT * FROM gone", "only read-only statements"),
            ("SELECT 1; SELECT 2", "one statement at a time"),
        ] {
            let refused = try cli.run(["sql", "--postgres", url, "--ledger-id", id, statement])
            #expect(refused.status == 2 && refused.stderr.contains(reason), "\(statement): \(refused.stderr)")
        }
        let unknown = try cli.run(["sql", "--postgres", url, "--ledger-id", "0123456789abcdef", "SELECT 1"])
        #expect(unknown.status == 2 && unknown.stderr.contains("synced: \(id)"), "\(unknown.stderr)")
        let slow = try cli.run([
            "sql", "--postgres", url, "--timeout", "0.2", "SELECT count(*) FROM generate_series(1, 1e12::bigint)",
        ])
        #expect(slow.status == 1 && slow.stderr.contains("--timeout"), "\(slow.stderr)")
        let wrongPassword = try cli.run(
            ["sql", "--postgres", cluster.url("team", withPassword: false), "SELECT 1"],
            environment: ["PGPASSWORD": "not-it"])
        #expect(
            wrongPassword.status == 1 && wrongPassword.stderr.contains("refused the login"), "\(wrongPassword.stderr)")
        let badURL = try cli.run(["project", "sync", "--ledger", ledger, "--postgres", "mysql://x@y/z"])
        #expect(badURL.status == 2 && badURL.stderr.contains("--postgres"), "\(badURL.stderr)")
        #expect(try cluster.psql("SELECT count(*) FROM haasledger.labs", database: "team") == "2\n")
        // A schema an older build migrated last (here: its newest migration unrecorded) is named as such, not as a
        // missing table; synced afresh, it reads again.
        let newest = try cluster.psql("SELECT max(version) FROM haasledger.schema_migrations", database: "team")
        _ = try cluster.psql(
            "DELETE FROM haasledger.schema_migrations WHERE version = \(newest.trimmingCharacters(in: .whitespacesAndNewlines))",
            database: "team")
        let older = try cli.run(["query", "labs", "--postgres", url, "--ledger", cli.directory.appending("nowhere")])
        #expect(older.status == 2 && older.stderr.contains("was last migrated to"), "\(older.stderr)")
        _ = try cluster.psql("DROP SCHEMA haasledger CASCADE", database: "team")
        try sync(ledger)
        let mended = try cli.run(["query", "labs", "--postgres", url, "--ledger", cli.directory.appending("nowhere")])
        #expect(mended.status == 0, "\(mended.stderr)")
    }

    @Test func twoLedgersShareOneDatabaseAndStayApart() throws {
        let one = try demoLedger("one")
        let two = try demoLedger("two", backtests: 12)
        try sync(one)
        try sync(two)
        let together = try cli.run([
            "sql", "--postgres", url, "--format", "csv",
            "SELECT ledger_id, count(*) AS n FROM backtests WHERE valid_to IS NULL GROUP BY ledger_id ORDER BY n DESC",
        ])
        #expect(
            together.stdout == "ledger_id,n\n\(try ledgerID(one)),60\n\(try ledgerID(two)),24\n", "\(together.stdout)")
        try expectSameReadModels(one, positions: [300])
        try expectSameReadModels(two, positions: [150])
        // A copy of a ledger that went on to record other events is refused, not mixed in.
        let copy = cli.directory.appending("copy")
        try FileManager.default.copyItem(atPath: one, toPath: copy)
        for (ledger, subject) in [(one, "L9"), (copy, "L8")] {
            let appended = try cli.run(
                ["log", "append", "--ledger", ledger],
                stdin: #"{"stream":"lab:\#(subject)","type":"haas.lab.observed","payload":{"name":"\#(subject)"}}"#)
            #expect(appended.status == 0, "\(appended.stderr)")
        }
        try sync(one)
        let refused = try sync(copy, expect: 3)
        #expect(refused.contains("holds another log"), "\(refused)")
    }

    @Test func followSyncsEachNewEventAndStopsBetweenSyncsOnSIGTERM() throws {
        let ledger = try demoLedger("one", backtests: 12)
        let follower = try ChildProcess.Streaming(
            "haasledger", ["project", "sync", "--follow", "--interval", "0.05", "--ledger", ledger, "--postgres", url])
        let first = follower.nextLine() ?? ""
        #expect(first.contains("positions 1–"), "\(first)")
        let appended = try cli.run(
            ["log", "append", "--ledger", ledger],
            stdin: #"{"stream":"lab:L9","type":"haas.lab.observed","payload":{"name":"L9"}}"#)
        #expect(appended.status == 0, "\(appended.stderr)")
        let stats = try cli.run(["log", "stats", "--ledger", ledger, "--format", "json"])
        let head = try #require(try JSONParser.parse(stats.stdout)["head_position"]?.numberValue?.uint64Value)
        let second = follower.nextLine() ?? ""
        #expect(second.contains("positions \(head)–\(head), "), "\(second)")
        kill(follower.process.processIdentifier, SIGTERM)
        follower.process.waitUntilExit()
        #expect(follower.process.terminationStatus == 130)
        let checkpoint = try cluster.psql(
            "SELECT position FROM haasledger.projection_state WHERE ledger_id = '\(try ledgerID(ledger))'",
            database: "team")
        #expect(checkpoint == "\(head)\n")
    }

    @Test func aSyncKilledInsideItsTransactionResumesExactly() throws {
        let ledger = try demoLedger("one")
        let id = try ledgerID(ledger)
        // A first, small ledger creates the schema, so its tables can be locked.
        let seed = try CLITests()
        try seed.seeded()
        try sync(seed.ledger)
        for stage in ["bulk", "incremental"] {
            if stage == "incremental" {
                let revised = try cli.run([
                    "demo", "--ledger", ledger, "--labs", "2", "--backtests", "30", "--revision", "3", "--observe-only",
                ])
                #expect(revised.status == 0, "\(revised.stderr)")
            }
            let before = try cluster.psql(
                "SELECT coalesce(max(position), 0) FROM haasledger.projection_state WHERE ledger_id = '\(id)'",
                database: "team")
            // Another session holds the metric values table: the sync copies what comes before it, then waits
            // inside its COPY into that table, and is killed there.
            let holder = try cluster.holdLock(
                "LOCK TABLE haasledger.backtest_metric_values IN EXCLUSIVE MODE", database: "team")
            let child = try ChildProcess.Streaming(
                "haasledger", ["project", "sync", "--ledger", ledger, "--postgres", url])
            try cluster.waitForABackendBlockedOnALock(runningCopy: true, database: "team")
            child.kill()
            try holder.release()
            let after = try cluster.psql(
                "SELECT coalesce(max(position), 0) FROM haasledger.projection_state WHERE ledger_id = '\(id)'",
                database: "team")
            #expect(after == before, "\(stage): the killed sync moved the checkpoint")
            let resumed = try sync(ledger)
            #expect(resumed.contains(stage == "bulk" ? "positions 1–" : "versions closed"), "\(resumed)")
            try expectSameReadModels(ledger, positions: [200])
        }
    }
}
