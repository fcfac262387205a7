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
        #expect(Set(ReportLabSection.paretoFront(points)) == [0, 1, 2, 5])
        #expect(ReportLabSection.paretoFront([]) == [])
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
