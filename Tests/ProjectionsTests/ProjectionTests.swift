import BacktestMetrics
import EventLog
import EventLogTesting
import Foundation
import HaasAPI
import HaasSimulator
import JSON
import Ledger
import SQLiteKit
import Testing

@testable import Projections

@Suite struct ProjectionTests {
    let directory: TemporaryDirectory
    let location: LedgerLocation
    let clock = ManualClock(micros: 1_800_000_000_000_000)

    init() throws {
        directory = try TemporaryDirectory(prefix: "haasledger-projections")
        location = LedgerLocation(root: directory.appending("ledger"))
    }

    /// Fetches everything from a simulator at `revision` (runtimes refreshed), at the clock's current time.
    func fetch(revision: Int) async throws {
        let server = try await SimulatorServer.start(
            configuration: SimulatorConfiguration(seed: 41, labs: 2, backtestsPerLab: 25, revision: revision))
        let client = HaasClientConfiguration(
            server: HaasServer(host: "127.0.0.1", port: server.port),
            credentials: HaasCredentials(
                email: server.world.configuration.email, password: server.world.configuration.password),
            retry: RetryPolicy(baseDelay: .zero))
        _ = try await FetchService(location: location, clock: clock).run(
            FetchRequest(client: client, labs: .all, runtimes: true, refresh: revision > 1))
        await server.stop()
    }

    /// A query's rows as text, the way a user would compare outputs.
    func render(_ rows: [BacktestRow]) -> String {
        rows.map { row in
            ([row.backtestID, row.labID, String(row.generation ?? -1), String(row.population ?? -1), row.market ?? "-"]
                + row.metrics.map { "\($0.name)=\($0.text)" }).joined(separator: " ")
        }.joined(separator: "\n")
    }

    func dump(_ path: String) throws -> [String: [[SQLiteValue]]] {
        let db = try SQLiteConnection(path: path, mode: .readOnly)
        var tables: [String: [[SQLiteValue]]] = [:]
        for table in [
            "labs", "backtests", "backtest_metrics", "executions", "history_cutoffs", "cache_index", "fetches",
            "projection_state",
        ] {
            let columns = try db.prepare("SELECT * FROM \(table)").columnCount
            let order = (1...columns).map(String.init).joined(separator: ", ")
            let exclude = table == "projection_state" ? "" : ""
            tables[table] = try db.prepare("SELECT * FROM \(table)\(exclude) ORDER BY \(order)").rows()
        }
        return tables
    }

    @Test func rebuildingFromTheLogGivesTheSameAnswers() async throws {
        try await fetch(revision: 1)
        let log = try location.openLog(create: false)
        let path = ReadModels.path(ledgerRoot: location.root)
        let first = try render(ReadModels(path: path, log: log).backtests(BacktestQuery(sort: "total_return")))
        #expect(first.split(separator: "\n").count == 50)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let second = try render(ReadModels(path: path, log: log).backtests(BacktestQuery(sort: "total_return")))
        #expect(second == first, "deleting the read models and rebuilding gives byte-identical output")
        let rebuilt = directory.appending("rebuilt.sqlite")
        try ReadModels.rebuild(log: log, output: rebuilt)
        #expect(try render(ReadModels(path: rebuilt, log: log).backtests(BacktestQuery(sort: "total_return"))) == first)
    }

    @Test func asOfATimeAnswersAsTheLedgerDidThen() async throws {
        try await fetch(revision: 1)
        let path = ReadModels.path(ledgerRoot: location.root)
        let before = try render(
            ReadModels(path: path, log: try location.openLog(create: false)).backtests(BacktestQuery()))
        let then = clock.nowMicroseconds()
        clock.advance(by: 3_600_000_000)
        try await fetch(revision: 2)  // the log is closed again: a fetch opens it itself
        let log = try location.openLog(create: false)
        let models = try ReadModels(path: path, log: log)
        let now = try render(models.backtests(BacktestQuery()))
        #expect(now != before)
        let position = try log.read { try $0.position(asOf: then) }
        #expect(try render(models.backtests(BacktestQuery(asOf: position))) == before)

        // What changed between the two moments is exactly the simulator's re-run subset.
        let old = try models.backtests(BacktestQuery(asOf: position))
        let new = try models.backtests(BacktestQuery())
        let changed = Set(zip(old, new).filter { $0 != $1 }.map(\.0.backtestID))
        let world = SimulatedWorld(configuration: SimulatorConfiguration(seed: 41, labs: 2, backtestsPerLab: 25))
        #expect(changed == world.changedBacktestIDs(fromRevision: 1, toRevision: 2))
        #expect(!changed.isEmpty)
    }

    @Test func catchingUpOneEventEqualsARebuild() async throws {
        try await fetch(revision: 1)
        let log = try location.openLog(create: false)
        let path = ReadModels.path(ledgerRoot: location.root)
        _ = try ReadModels(path: path, log: log)
        try log.append(
            EventDraft(
                stream: "lab:late", type: "haas.lab.observed",
                payload: Payload(
                    .object([("lab_id", .string("late")), ("name", .string("Late lab")), ("status", .number(2))]))))
        let caughtUp = try ReadModels(path: path, log: log)
        #expect(try caughtUp.projector.position() == log.read { try $0.head()?.position })
        try caughtUp.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        let rebuilt = directory.appending("full.sqlite")
        try ReadModels.rebuild(log: log, output: rebuilt)
        var incremental = try dump(path)
        var full = try dump(rebuilt)
        incremental["projection_state"] = incremental["projection_state"].map { $0.map { Array($0.prefix(3)) } }
        full["projection_state"] = full["projection_state"].map { $0.map { Array($0.prefix(3)) } }
        #expect(incremental == full)
        #expect(incremental["labs"]?.contains { $0.first == .text("late") } == true)
        // A replay that keeps few keys in memory reads the others back and writes the same rows.
        for keys in [1, 7] {
            let bounded = directory.appending("bounded-\(keys).sqlite")
            try ReadModels.rebuild(log: log, output: bounded, keysInMemory: keys)
            var rows = try dump(bounded)
            rows["projection_state"] = rows["projection_state"].map { $0.map { Array($0.prefix(3)) } }
            #expect(rows == full, "\(keys) keys in memory")
        }
    }

    @Test func filtersSortingAndLimits() async throws {
        try await fetch(revision: 1)
        let models = try ReadModels(
            path: ReadModels.path(ledgerRoot: location.root), log: try location.openLog(create: false))
        let winners = try models.backtests(
            BacktestQuery(filters: [BacktestQuery.Filter("total_return>0")!], sort: "total_return", limit: 5))
        #expect(winners.count <= 5)
        #expect(winners.allSatisfy { ($0.metric("total_return")?.number ?? 0) > 0 })
        let returns = winners.compactMap { $0.metric("total_return")?.number }
        #expect(returns == returns.sorted(by: >))
        let lab = try #require(winners.first?.labID)
        #expect(try models.backtests(BacktestQuery(lab: lab)).allSatisfy { $0.labID == lab })
        #expect(BacktestQuery.Filter("sharpe_ratio>=1.5")?.comparison == .greaterOrEqual)
        #expect(BacktestQuery.Filter("nonsense") == nil)
    }
}

extension ProjectionTests {
    @Test func diffBetweenTwoFetchesListsExactlyTheRerunBacktests() async throws {
        try await fetch(revision: 1)
        let between = try location.openLog(create: false).read { try $0.head()!.position }
        clock.advance(by: 60_000_000)
        try await fetch(revision: 2)
        let service = ReadModelService(location: location)
        let diff = try service.diff(from: .position(between), to: .now, lab: nil, formula: "canonical@2")
        let changed = Set(
            diff.rows.filter { $0[0] == .text("changed") }.compactMap { row -> String? in
                if case .text(let id) = row[1] { return id } else { return nil }
            })
        let world = SimulatedWorld(configuration: SimulatorConfiguration(seed: 41, labs: 2, backtestsPerLab: 25))
        #expect(changed == world.changedBacktestIDs(fromRevision: 1, toRevision: 2))
        #expect(diff.rows.allSatisfy { $0[0] == .text("changed") }, "no backtest was added or removed")

        let id = try #require(changed.first)
        let history = try service.history(backtest: id, formula: "canonical@2")
        let types = history.rows.map { $0[2] }
        #expect(types.filter { $0 == .text("haas.backtest.runtime.fetched") }.count == 2)
        #expect(types.filter { $0 == .text("metrics.computed") }.count == 2)
        let metricRows = history.rows.filter { $0[2] == .text("metrics.computed") }
        #expect(metricRows[0][6] != metricRows[1][6], "total_return after each metrics event differs")
    }

    @Test func diffBetweenFormulasShowsWhatAFormulaChangeMoved() async throws {
        try await fetch(revision: 1)
        var registry = FormulaRegistry.builtIn
        var parameters = FormulaSet.canonicalV2.parameters
        parameters.ddof = 0
        try registry.register(
            FormulaSet(id: "canonical", version: 9, parameters: parameters, summary: "population std", matches: []))
        let beforeV9 = try location.openLog(create: false).read { try $0.head()?.position ?? 0 }
        let computed = try MetricsEngine(log: try location.openLog(create: false), registry: registry).compute(
            formula: "canonical@9")
        #expect(computed.computed == 50)
        // As of a moment before canonical@9 existed, there is nothing to compare.
        let early = try ReadModelService(location: location).diff(
            formulas: "canonical@2", "canonical@9", at: .position(beforeV9), lab: nil)
        #expect(early.rows.isEmpty)
        let diff = try ReadModelService(location: location).diff(
            formulas: "canonical@2", "canonical@9", at: .now, lab: nil)
        let metrics = Set(
            diff.rows.compactMap { row -> String? in if case .text(let name) = row[2] { name } else { nil } })
        #expect(metrics.isSubset(of: ["annual_volatility", "sharpe_ratio"]), "only std-based metrics move: \(metrics)")
        #expect(metrics.contains("sharpe_ratio"))
        #expect(
            diff.columns == [
                "backtest_id", "lab_id", "metric", "canonical@2", "canonical@9", "delta", "rank_from", "rank_to",
            ])
    }
}

extension ProjectionTests {
    /// The indexed top-N path must answer exactly what the full scan answers, at every moment and filter.
    @Test func topNFastPathMatchesTheFullScan() async throws {
        try await fetch(revision: 1)
        clock.advance(by: 60_000_000)
        try await fetch(revision: 2)
        let log = try location.openLog(create: false)
        let models = try ReadModels(path: ReadModels.path(ledgerRoot: location.root), log: log)
        let head = try log.read { try $0.head()!.position }
        let lab = try models.backtests(BacktestQuery()).first!.labID
        for position in [head / 3, head / 2, head * 3 / 4, head] {
            for (sort, ascending) in [("total_return", false), ("sharpe_ratio", true), ("max_drawdown", false)] {
                for labFilter in [nil, lab] {
                    let query = BacktestQuery(
                        lab: labFilter, sort: sort, ascending: ascending, limit: 7, asOf: position)
                    var full = query
                    full.limit = nil
                    let expected = Array(try models.backtests(full).prefix(7))
                    #expect(
                        try models.backtests(query) == expected,
                        "\(sort) \(ascending) at \(position) lab \(labFilter ?? "-")")
                }
            }
        }
    }
}

extension ProjectionTests {
    /// A first read builds the file in bulk (numbers sorted, by rowid range); events after it are caught up one
    /// by one. Either way the answers equal those of a file built by catch-up alone.
    @Test func bulkBuiltAndCaughtUpFilesAnswerAlike() async throws {
        try await fetch(revision: 1)
        let path = ReadModels.path(ledgerRoot: location.root)
        let between = try location.openLog(create: false).read { try $0.head()!.position }
        func count(_ db: SQLiteConnection, _ sql: String) throws -> Int64 {
            if case .integer(let count)? = try db.prepare(sql).rows().first?.first { return count }
            return -1
        }
        let bulk = try ReadModels(path: path, log: try location.openLog(create: false))
        #expect(try count(bulk.db, "SELECT count(*) FROM backtest_metric_values WHERE caught_up IS NULL") > 0)
        #expect(try count(bulk.db, "SELECT count(*) FROM backtest_metric_values WHERE caught_up = 1") == 0)
        #expect(try count(bulk.db, "SELECT count(*) FROM backtest_metric_value_ranges") > 0)
        clock.advance(by: 60_000_000)
        try await fetch(revision: 2)
        let log = try location.openLog(create: false)
        let mixed = try ReadModels(path: path, log: log)
        #expect(try count(mixed.db, "SELECT count(*) FROM backtest_metric_values WHERE caught_up = 1") > 0)

        // A file that exists with the current schema is caught up event by event, never rebuilt.
        let incrementalPath = directory.appending("incremental.sqlite")
        try ReadModelSchema.migrator().migrate(try SQLiteConnection(path: incrementalPath))
        let incremental = try ReadModels(path: incrementalPath, log: log)
        #expect(try count(incremental.db, "SELECT count(*) FROM backtest_metric_values WHERE caught_up IS NULL") == 0)

        for position in [between, nil] {
            for query in [
                BacktestQuery(asOf: position), BacktestQuery(sort: "sharpe_ratio", limit: 7, asOf: position),
                BacktestQuery(sort: "total_return", ascending: true, limit: 5, asOf: position),
            ] {
                let expected = render(try incremental.backtests(query))
                #expect(!expected.isEmpty)
                #expect(render(try mixed.backtests(query)) == expected, "\(query)")
            }
        }
        let view =
            "SELECT backtest_id, formula, metric, value, value_text, runtime_position, valid_from, valid_to FROM backtest_metrics ORDER BY 1, 2, 3, 7"
        let rows = try incremental.db.prepare(view).rows()
        #expect(try mixed.db.prepare(view).rows() == rows)
        #expect(rows.contains { if case .real = $0[3] { $0[4] == .null } else { false } }, "numbers in value")
        #expect(rows.allSatisfy { $0[3] != .null || $0[4] != .null }, "every metric has a number or a text")
    }
}
