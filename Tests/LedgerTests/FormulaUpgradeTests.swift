import BacktestMetrics
import EventLog
import EventLogTesting
import Foundation
import HaasAPI
import HaasSimulator
import JSON
import Ledger
import Projections
import Testing

/// A ledger recorded under `canonical@1` and recomputed under `canonical@2` against one recorded under `@2` from
/// the start; and which formula recording and read commands use when nobody chose one.
@Suite struct FormulaUpgradeTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "haasledger-formulas") }

    func location(_ name: String) -> LedgerLocation { LedgerLocation(root: directory.appending(name)) }

    func client(_ server: SimulatorServer) -> HaasClientConfiguration {
        HaasClientConfiguration(
            server: HaasServer(host: "127.0.0.1", port: server.port),
            credentials: HaasCredentials(
                email: server.world.configuration.email, password: server.world.configuration.password),
            retry: RetryPolicy(maxAttempts: 4, baseDelay: .zero))
    }

    static let v1 = FormulaChoice(chosen: ("canonical@1", "--formula"))
    static let v2 = FormulaChoice(chosen: ("canonical@2", "--formula"))

    /// Every backtest's metrics under `formula`, by backtest id (positions left out: they differ between ledgers).
    func answers(_ location: LedgerLocation, _ formula: String) throws -> [String: [String]] {
        let table = try ReadModelService(location: location).backtests(BacktestQuery(formula: formula), at: .now)
        let id = try #require(table.columns.firstIndex(of: "backtest_id"))
        return Dictionary(
            uniqueKeysWithValues: table.rows.map { row in
                ("\(row[id])", zip(table.columns, row).map { "\($0)=\($1)" })
            })
    }

    @Test func recomputingUnderV2GivesWhatRecordingUnderV2Gives() async throws {
        let upgraded = location("upgraded")
        let fresh = location("fresh")
        try await withRunningSimulator(SimulatorConfiguration(seed: 5, labs: 2, backtestsPerLab: 12)) { server in
            _ = try await FetchService(location: upgraded).run(
                FetchRequest(client: client(server), labs: .all, runtimes: true, formulas: Self.v1))
            _ = try await FetchService(location: fresh).run(
                FetchRequest(client: client(server), labs: .all, runtimes: true))
        }
        // A new ledger without a choice records canonical@2 only; the other only canonical@1 so far.
        #expect(try FormulaChoice.none.toRead(fresh.openLog(create: false)).name == "canonical@2")
        #expect(try FormulaChoice.none.toRead(upgraded.openLog(create: false)).name == "canonical@1")
        #expect(try answers(fresh, "canonical@2").count == 24)

        let summaries = try MetricsService(location: upgraded).recompute(Self.v2, lab: nil)
        #expect(summaries.map(\.formula) == ["canonical@2"] && summaries[0].computed == 24)
        let again = try MetricsService(location: upgraded).recompute(Self.v2, lab: nil)
        #expect(again[0].computed == 0 && again[0].alreadyComputed == 24, "the same formula twice appends nothing")

        let recomputed = try answers(upgraded, "canonical@2")
        #expect(recomputed == (try answers(fresh, "canonical@2")))
        // canonical@1 is still there, unchanged, and the versions disagree on exposure where fills fall inside bars.
        let old = try answers(upgraded, "canonical@1")
        #expect(old.count == 24 && old != recomputed)
        #expect(try FormulaChoice.none.toRead(upgraded.openLog(create: false)).name == "canonical@2")

        // Later recordings keep every formula the ledger holds complete.
        try await withRunningSimulator(SimulatorConfiguration(seed: 5, labs: 2, backtestsPerLab: 12, revision: 2)) {
            server in
            _ = try await FetchService(location: upgraded).run(
                FetchRequest(client: client(server), labs: .all, runtimes: true, refresh: true))
            _ = try await FetchService(location: fresh).run(
                FetchRequest(client: client(server), labs: .all, runtimes: true, refresh: true))
        }
        #expect(try answers(upgraded, "canonical@2") == (try answers(fresh, "canonical@2")))
        let log = try upgraded.openLog(create: false)
        let computed = try log.read { reader in
            var names: [String: Int] = [:]
            try reader.forEachEvent(ofType: "metrics.computed") { event in
                names[try event.payload.json["formula"]?.stringValue ?? "?", default: 0] += 1
                return true
            }
            return names
        }
        #expect(computed["canonical@1"] == computed["canonical@2"] && computed["canonical@1"] == 48)
    }

    @Test func theChoiceComesFromTheFlagThenTheEnvironmentThenTheConfigFile() throws {
        var configuration = LedgerConfiguration()
        configuration.source = "/x/haasledger.toml"
        configuration.formula = "canonical@1"
        let environment = ["HAASLEDGER_FORMULA": "canonical@2"]
        #expect(
            FormulaChoice.resolve(flag: "canonical@9", environment: environment, configuration: configuration)
                == FormulaChoice(chosen: ("canonical@9", "--formula")))
        #expect(
            FormulaChoice.resolve(flag: nil, environment: environment, configuration: configuration)
                == FormulaChoice(chosen: ("canonical@2", "HAASLEDGER_FORMULA")))
        #expect(
            FormulaChoice.resolve(flag: nil, environment: [:], configuration: configuration)
                == FormulaChoice(chosen: ("canonical@1", "/x/haasledger.toml: formula")))
        #expect(FormulaChoice.resolve(flag: nil, environment: [:], configuration: LedgerConfiguration()) == .none)
        #expect(FormulaChoice.none.withoutLedger.name == "canonical@2")
    }

    @Test func anUnknownChosenFormulaIsRefusedBeforeAnythingIsRecorded() throws {
        let ledger = location("unknown")
        let log = try ledger.openLog(create: true)
        #expect(throws: LedgerError.invalidArgument(
            flag: "HAASLEDGER_FORMULA", reason: "unknown formula canonical@9 (known: canonical@1, canonical@2)")) {
            try FormulaChoice(chosen: ("canonical@9", "HAASLEDGER_FORMULA")).toRecord(log)
        }
        #expect(try FormulaChoice.none.toRecord(log).map(\.name) == ["canonical@2"])
    }
}
