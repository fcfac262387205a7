import BacktestMetrics
import EventLog
import EventLogTesting
import HaasAPI
import HaasSimulator
import Ledger
import Testing

/// `diff` between two moments names what happened to each backtest under the formula.
@Suite struct DiffTests {
    /// Results recorded first and runtimes (hence metrics) later: every backtest is `added` by the second
    /// fetch, with no rank before it, not `changed` from empty values.
    @Test func metricsThatArriveLaterAreAddedNotChanged() async throws {
        let directory = try TemporaryDirectory(prefix: "haasledger-diff")
        let location = LedgerLocation(root: directory.appending("ledger"))
        let configuration = SimulatorConfiguration(seed: 9, labs: 1, backtestsPerLab: 6)
        try await withRunningSimulator(configuration) { server in
            let client = server.testClient()
            _ = try await FetchService(location: location).run(FetchRequest(client: client, labs: .all))
            _ = try await FetchService(location: location).run(FetchRequest(client: client, labs: .all, runtimes: true))
        }
        let resultsOnly = try location.openLog(create: false).read { reader in
            var last: UInt64 = 0
            try reader.forEachEvent { event in
                if event.type == "run.finished" && last == 0 { last = event.position }
                return true
            }
            return last
        }
        let diff = try ReadModelService(location: location).diff(
            from: .position(resultsOnly), to: .now, lab: nil, formula: FormulaRegistry.defaultName)
        let change = try #require(diff.columns.firstIndex(of: "change"))
        let rankFrom = try #require(diff.columns.firstIndex(of: "rank_from"))
        #expect(diff.rows.count == 6)
        #expect(diff.rows.allSatisfy { $0[change] == .text("added") && $0[rankFrom] == .null })
    }
}
