import BacktestMetrics
import Testing

/// Exposure on the input's own bar grid (`canonical@2`) against held time over the span (`canonical@1`).
@Suite struct ExposureTests {
    static let day = 86_400.0
    /// Monday 2024-01-01 00:00 UTC.
    static let monday = 1_704_067_200.0

    /// Ten business days (two weeks, no weekend bars) and one long trade from Thursday to the next Tuesday.
    static func businessDays() -> MetricInputs {
        let bars = (0..<10).map { index in monday + Double(index / 5 * 7 + index % 5) * day }
        let trade = Trade(
            side: .long, size: 1, entryTime: bars[3], exitTime: bars[6], entryPrice: 100, exitPrice: 110, fees: 0,
            netPnL: 10)
        let equity = bars.indices.map { $0 < 6 ? 1_000.0 : 1_010.0 }
        return MetricInputs(
            equity: equity, trades: [trade], startTime: bars[0], endTime: bars[9], barTimes: bars)
    }

    @Test func aBusinessDaySeriesDoesNotCountTheWeekend() {
        let inputs = Self.businessDays()
        let settings = MetricSettings(periodsPerYear: 252)
        // Bars Thursday, Friday and Monday end with the position: 3 of the 9 periods.
        #expect(FormulaSet.canonicalV2.compute(inputs, settings: settings)["exposure"] == .value(3.0 / 9.0))
        // canonical@1 is pinned: 5 days held (Thursday to Tuesday) over a span of 11 days.
        #expect(FormulaSet.canonicalV1.compute(inputs, settings: settings)["exposure"] == .value(5.0 / 11.0))
    }

    @Test func onARegularGridWithFillsOnClosesTheVersionsAgree() {
        let bars = (0...20).map { Self.monday + Double($0) * Self.day }
        let trades = [(2, 5), (4, 9), (12, 13), (19, 20)].map { entry, exit in
            Trade(
                side: .long, size: 1, entryTime: bars[entry], exitTime: bars[exit], entryPrice: 1, exitPrice: 1,
                fees: 0, netPnL: 0)
        }
        let inputs = MetricInputs(
            equity: bars.map { _ in 100 }, trades: trades, startTime: bars[0], endTime: bars[20], barTimes: bars)
        let settings = MetricSettings(periodsPerYear: 365)
        let two = FormulaSet.canonicalV2.compute(inputs, settings: settings)["exposure"]
        #expect(two == .value(9.0 / 20.0))
        #expect(FormulaSet.canonicalV1.compute(inputs, settings: settings)["exposure"] == two)
    }

    @Test func aRoundTripInsideOneBarIsNotTimeInMarket() {
        let bars = (0...4).map { Self.monday + Double($0) * Self.day }
        let trade = Trade(
            side: .short, size: 1, entryTime: bars[1] + 3_600, exitTime: bars[1] + 7_200, entryPrice: 1,
            exitPrice: 1, fees: 0, netPnL: 0)
        let inputs = MetricInputs(
            equity: [100, 100, 100, 100, 100], trades: [trade], startTime: bars[0], endTime: bars[4], barTimes: bars)
        let settings = MetricSettings(periodsPerYear: 365)
        #expect(FormulaSet.canonicalV2.compute(inputs, settings: settings)["exposure"] == .value(0))
        #expect(FormulaSet.canonicalV1.compute(inputs, settings: settings)["exposure"] == .value(1.0 / 96.0))
    }

    @Test func withoutBarTimesTheEquityPointsAreEvenlySpaced() {
        var inputs = Self.businessDays()
        inputs.barTimes = nil
        inputs.endTime = inputs.startTime + 9 * Self.day
        let settings = MetricSettings(periodsPerYear: 365)
        // Evenly spaced, the trade's entry and exit (days 3 and 8) fall on bars 3 and 8: 5 of 9.
        #expect(FormulaSet.canonicalV2.compute(inputs, settings: settings)["exposure"] == .value(5.0 / 9.0))
    }

    @Test func oneBarHasNoExposure() {
        let inputs = MetricInputs(equity: [100], trades: [], startTime: Self.monday, endTime: Self.monday)
        #expect(
            FormulaSet.canonicalV2.compute(inputs, settings: MetricSettings(periodsPerYear: 365))["exposure"]
                == .undefined)
    }
}
