import BacktestMetrics
import EventLogTesting
import HaasAPI
import HaasSimulator
import Ledger
import Projections
import Testing

/// `export csv` reads page by page: whatever the page size, the rows are those of one read of everything.
@Suite struct AnalyticsExportTests {
    @Test func pagesOfAnySizeGiveTheSameRowsAsOneRead() async throws {
        let directory = try TemporaryDirectory(prefix: "haasledger-analytics")
        let location = LedgerLocation(root: directory.appending("ledger"))
        let configuration = SimulatorConfiguration(seed: 23, labs: 3, backtestsPerLab: 4)
        try await withRunningSimulator(configuration) { server in
            let client = server.testClient()
            _ = try await FetchService(location: location).run(FetchRequest(client: client, labs: .all, runtimes: true))
        }
        let service = ReadModelService(location: location)
        func pages(lab: String?, size: Int) throws -> [ResultTable] {
            var pages: [ResultTable] = []
            try service.analytics(lab: lab, formula: nil, at: .now, pageSize: size) { pages.append($0) }
            return pages
        }
        // The first page is the header alone, so that a filter matching nothing still writes it.
        let whole = try pages(lab: nil, size: 1_000)
        #expect(whole.map(\.rows.count) == [0, 12])
        let rows = try #require(whole.last).rows
        #expect(rows.count == 12)
        let paged = try pages(lab: nil, size: 5)
        #expect(paged.map(\.rows.count) == [0, 5, 5, 2])
        #expect(paged.flatMap(\.rows) == rows)

        // Every row carries its own backtest's metrics, as `query backtests` gives them.
        let column = { (name: String) in try #require(ReadModelService.analyticsColumns.firstIndex(of: name)) }
        let (id, drawdown) = (try column("backtest_id"), try column("max_drawdown"))
        let queried = try service.backtests(BacktestQuery(), at: .now)
        let queriedID = try #require(queried.columns.firstIndex(of: "backtest_id"))
        let queriedDrawdown = try #require(queried.columns.firstIndex(of: "max_drawdown"))
        #expect(queried.rows.count == rows.count)
        for row in rows {
            let match = queried.rows.first { $0[queriedID] == row[id] }
            #expect(row[drawdown] != .null && match?[queriedDrawdown] == row[drawdown], "\(row[id])")
        }

        // One lab, in pages smaller than the lab: only its rows, in the same order.
        let lab = try #require(try service.labs(at: .now).rows.first?.first)
        guard case .text(let labID) = lab else { Issue.record("the lab id is not text"); return }
        let labRows = try pages(lab: labID, size: 3).flatMap(\.rows)
        #expect(labRows.count == 4)
        #expect(labRows == (try pages(lab: labID, size: 100).flatMap(\.rows)))
    }
}
