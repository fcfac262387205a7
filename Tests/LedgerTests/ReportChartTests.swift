import BacktestMetrics
import Testing

@testable import Ledger
@testable import Projections

/// The report's arithmetic: what a chart is drawn from, checked against values worked out by hand.
@Suite struct ReportChartTests {
    @Test func paretoFrontKeepsThePointsNoOtherBeatsOnBoth() {
        // (drawdown, return): higher is better on both.
        let points: [(x: Double, y: Double)] = [
            (-0.1, 0.2), (-0.05, 0.1), (-0.3, 0.5), (-0.2, 0.15), (-0.05, 0.05), (0, -0.1),
        ]
        // Kept as they arrive, in any order, equal points once (the first).
        for order in [Array(points.indices), points.indices.reversed(), [3, 0, 5, 2, 4, 1]] {
            var front = ParetoFront()
            for index in order + [order[0]] {
                front.add(ChartPoint(x: points[index].x, y: points[index].y, id: "\(index)", totalReturn: nil))
            }
            #expect(front.ordered.map(\.id) == ["5", "1", "0", "2"], "\(order)")
        }
        #expect(ParetoFront().ordered.isEmpty)
    }

    @Test func labChartsHoldBinsAndTheBestNotEveryBacktest() {
        var charts = LabCharts(keep: 3)
        func backtest(_ index: Int) -> ChartedBacktest {
            ChartedBacktest(
                backtestID: "bt-" + String(String(index + 100_000).dropFirst()),
                totalReturn: index % 97 == 0 ? nil : Double(index % 1_000) / 1_000 - 0.4,
                maxDrawdown: -Double(index % 300) / 1_000, winRate: Double(index % 7) / 7,
                profitFactor: index % 11 == 0 ? .infinity : Double(index % 50) / 10)
        }
        let all = (0..<5_000).map(backtest)
        for row in all { charts.add(row) }
        charts.finish()
        for row in all { charts.bin(row) }
        #expect(charts.count == 5_000)
        #expect(charts.top.map(\.backtestID) == all.sorted(by: ChartedBacktest.ranksBefore).prefix(3).map(\.backtestID))
        let returns = all.compactMap { $0.totalReturn }
        #expect(charts.returnBins?.counts.reduce(0, +) == returns.count)
        #expect(charts.returnBins?.counts.count == 40)
        #expect(charts.returnBins?.lowest == returns.min())
        #expect(charts.drawdownReturn.drawnAsDensity && charts.drawdownReturn.points.isEmpty)
        #expect(charts.drawdownReturn.density.points == returns.count)
        #expect(charts.infiniteProfitFactor == all.filter { $0.profitFactor == .infinity }.count)
        #expect(charts.winRateFactor.density.points == 5_000 - charts.infiniteProfitFactor)
        // The front against the brute force: no other point at least as good on both.
        let points = all.compactMap { row in row.totalReturn.map { (x: row.maxDrawdown!, y: $0, id: row.backtestID) } }
        let expected = points.enumerated().filter { index, point in
            !points.enumerated().contains { other, candidate in
                other != index && candidate.x >= point.x && candidate.y >= point.y
                    && (candidate.x != point.x || candidate.y != point.y || other < index)
            }
        }.map(\.element.id)
        #expect(Set(charts.drawdownReturn.front.points.map(\.id)) == Set(expected))
        // Few points are kept to be drawn one by one.
        var few = LabCharts(keep: 2)
        for row in all.prefix(10) { few.add(row) }
        #expect(!few.drawdownReturn.drawnAsDensity && few.drawdownReturn.points.count == 9)
    }

    @Test func scalesCoverTheirValuesWithRoundTicks() {
        let scale = ChartScale(covering: [0.013, 0.87], from: 0, to: 100)
        #expect(scale.lower == 0 && scale.upper == 1)
        #expect(scale.ticks() == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(scale(0.5) == 50 && scale(-3) == 0 && scale(7) == 100)
        // A flat or empty series still has a span; infinities are left out.
        let flat = ChartScale(covering: [5, 5, .infinity], from: 0, to: 10)
        #expect(flat.lower < 5 && flat.upper > 5)
        #expect(ChartScale(covering: [], from: 0, to: 1).upper > ChartScale(covering: [], from: 0, to: 1).lower)
        #expect(ChartScale.step(span: 37, count: 5) == 10 && ChartScale.step(span: 0.0042, count: 5) == 0.001)
    }

    @Test func monthlyReturnsChainMonthEnds() {
        let day = 86_400.0
        // 2025-01-30 … 2025-03-02: equity 100, 110 at the end of January, 99 at the end of February, 99 in March.
        let start = 1_738_195_200.0  // 2025-01-30T00:00:00Z
        let equity = [
            (start, 100.0), (start + day, 110.0), (start + 2 * day, 105.0), (start + 29 * day, 99.0),
            (start + 31 * day, 99.0),
        ]
        let detail = BacktestDetail(
            backtestID: "b", groupID: "g",
            row: BacktestRow(
                backtestID: "b", labID: "g", generation: nil, population: nil, market: nil, scriptVersion: nil,
                parameters: nil, metrics: []),
            equity: equity.map { ($0.0, $0.1) }, trades: [], capital: 100)
        let months = ReportBacktestSection(detail: detail).monthly
        #expect(months.map(\.month) == [1, 2, 3] && months.allSatisfy { $0.year == 2025 })
        #expect(
            abs(months[0].value - 0.10) < 1e-12 && abs(months[1].value - (99.0 / 110 - 1)) < 1e-12
                && months[2].value == 0)
        let underwater = ReportBacktestSection(detail: detail).underwater.map(\.value)
        #expect(underwater[0] == 0 && underwater[1] == 0 && abs(underwater[3] - (99.0 / 110 - 1)) < 1e-12)
    }

    @Test func parameterBinsAreTheValuesWhenFewAndEqualRangesWhenMany() {
        let few = ParameterBins([3, 1, 2, 3])
        #expect(few.labels == ["1", "2", "3"] && few.bin(2) == 1)
        let many = ParameterBins((0...80).map(Double.init))
        #expect(
            many.labels.count == 8 && many.labels.first == "≥0" && many.bin(0) == 0 && many.bin(80) == 7
                && many.bin(10) == 1)
    }

    @Test func htmlEscapesTextAndAnchorsKeepOnlySafeCharacters() {
        #expect(
            HTML.escape(#"<a href="x">Tom & 'Jerry'</a>"#)
                == "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;")
        #expect(HTML.anchor("lab", "a b/<c>-1_2") == "lab-a_b__c_-1_2")
        // Numbers sort by their exact value; infinities as numbers, undefined as nothing.
        let table = HTML.table(
            ResultTable(
                columns: ["total_return"],
                rows: [[.number(0.1234)], [.nonNumber("+inf")], [.nonNumber("undefined")], [.null]]))
        #expect(table.contains(#"<td class="num" data-v="0.1234">12.34 %</td>"#))
        #expect(
            table.contains(#"data-v="Infinity">+inf<"#) && table.contains(#"data-v="">undefined<"#)
                && table.contains(#"data-v=""></td>"#))
    }

    @Test func heatmapColoursDivergeAroundZero() {
        #expect(Heatmap.colour(0, lowest: -1, highest: 1, largest: 1) == "#ffffff")
        #expect(Heatmap.colour(1, lowest: -1, highest: 1, largest: 1) == "#1a7f37")
        #expect(Heatmap.colour(-1, lowest: -1, highest: 1, largest: 1) == "#b42318")
        #expect(Heatmap.short(0.1234, .percent) == "12.3" && Heatmap.short(-2.5, .percent) == "-250")
    }
}
