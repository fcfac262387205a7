import Foundation
import HaasAPI
import Testing

@Suite struct FixtureDecodingTests {
    private struct Envelope<T: Decodable>: Decodable {
        let Success: Bool
        let Data: T
    }

    @Test func realRuntimeKeepsTheServersValuesUnderTheirTrueNames() throws {
        guard let data = try Fixtures.data("api/get_backtest_runtime_response.json") else { return }
        let runtime = try JSONDecoder().decode(Envelope<BacktestRuntime>.self, from: data).Data
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

    @Test func otherPayloadsDecode() throws {
        if let data = try Fixtures.data("api/runtime_sample.json") {
            let runtime = try JSONDecoder().decode(BacktestRuntime.self, from: data)
            #expect(runtime.priceMarket == "BINANCE_SOL_USDC_")
            #expect(runtime.primaryReport?.profits != nil)
        }
        if let data = try Fixtures.data("api/simple_history_status.json") {
            let status = try JSONDecoder().decode([String: HistoryStatusEntry].self, from: data)
            #expect(!status.isEmpty)
            #expect(status.values.allSatisfy { !$0.market.isEmpty })
        }
        if let data = try Fixtures.data("api/chart_sample.json") {
            let chart = try JSONDecoder().decode(AnyJSON.self, from: data)
            #expect(chart["IsLastPartition"] != nil)
        }
    }
}
