import EventLogTesting
import HaasAPI
import JSON
import Testing

/// The real payloads in `../shared/fixtures/haas/api`, read by the decoders the client uses.
@Suite(.needsHaasFixtures) struct FixtureDecodingTests {
    @Test func realRuntimeKeepsTheServersValuesUnderTheirTrueNames() throws {
        let document = try RuntimeDecoder.decode(try SharedFixtures.bytes("api/get_backtest_runtime_response.json"))
        #expect(document.success == true)
        let runtime = try #require(document.runtime)
        let report = try #require(runtime.primaryReport)
        let profits = try #require(report.profits)
        #expect(profits.returnOnInvestment == 50.5465)
        #expect(profits.realizedProfits == 469.8960225)
        #expect(profits.roiMargin == 929.63055)
        #expect(profits.grossProfits == 488.733)
        #expect(profits.priceChange == -0.2509)
        #expect(report.fees?.totalFeeCosts == 18.8369775)
        #expect(
            abs((profits.grossProfits ?? 0) - (report.fees?.totalFeeCosts ?? 0) - (profits.realizedProfits ?? 0)) < 1e-9
        )
        #expect(report.positions?.closed == 1)
        #expect(report.positions?.winning == 1)
        #expect(runtime.finishedPositions.count == 1)
        #expect(runtime.finishedPositions[0].realizedProfit == 469.8960225)
        #expect(runtime.finishedPositions[0].exitOrders.first?.grossProfit == 488.733)
        #expect(runtime.activatedSince == 1_756_245_600)
        #expect(runtime.lastUpdateTimestamp == 1_756_331_100)
        #expect(runtime.botID == "0e3a5382-ca7c-4dbd-a6d6-8b67e2d26ee6" || runtime.botID?.hasPrefix("0e3a5382") == true)
    }

    @Test func bareRuntimeDecodes() throws {
        let document = try RuntimeDecoder.decode(try SharedFixtures.bytes("api/runtime_sample.json"))
        #expect(document.success == nil)
        #expect(document.runtime?.priceMarket == "BINANCE_SOL_USDC_")
        #expect(document.runtime?.primaryReport?.profits != nil)
    }

    @Test func historyStatusAndChartDecodeFromTheTree() throws {
        let status = try JSONTreeDecoder.decode(
            [String: HistoryStatusEntry].self,
            from: try JSONParser.parse(try SharedFixtures.bytes("api/simple_history_status.json")))
        #expect(!status.isEmpty)
        #expect(status.values.allSatisfy { !$0.market.isEmpty })
        let chart = try JSONParser.parse(try SharedFixtures.bytes("api/chart_sample.json"))
        #expect(chart["IsLastPartition"] != nil)
    }
}
