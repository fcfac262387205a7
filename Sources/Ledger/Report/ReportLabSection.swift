import Projections

/// A lab's part of the report: its top backtests as a sortable table with provenance, the distribution of total
/// return, return against drawdown with the Pareto front, and win rate against profit factor.
struct ReportLabSection {
    let group: BacktestGroup
    let top: Int
    let detailed: Set<String>

    var html: String {
        var parts = [HTML.heading(2, group.title, id: HTML.anchor("lab", group.id))]
        var facts: [(String, String)] = []
        if let lab = group.lab {
            facts.append(("Lab id", lab.labID))
            facts.append(("Status", ReadableNumbers.labStatus(lab.status.map(Int.init))))
            if let scheduled = lab.scheduledBacktests {
                facts.append(("Completed", "\(lab.completedBacktests ?? 0) of \(scheduled)"))
            }
        }
        let scripts = group.outline.scripts
        if !scripts.isEmpty { facts.append(("Script", scripts.joined(separator: ", "))) }
        facts.append(("Backtests", ReadableNumbers.significant(Double(group.charts.count))))
        parts.append(HTML.facts(facts))
        guard group.charts.count > 0 else {
            parts.append(HTML.paragraph("No backtest of this lab has been recorded yet.", className: "note"))
            return parts.joined()
        }
        parts.append(
            HTML.table(
                topTable, caption: "Top \(group.top.count) by total return (click a heading to sort)",
                links: ["backtest_id": { detailed.contains($0) ? HTML.anchor("bt", $0) : nil }]))
        parts.append(
            "<div class=\"charts\">" + returnHistogram + returnAgainstDrawdown + winRateAgainstProfitFactor + "</div>")
        return parts.joined()
    }

    static let metrics = [
        "total_return", "max_drawdown", "sharpe_ratio", "sortino_ratio", "win_rate", "profit_factor", "num_trades",
    ]

    private var topTable: ResultTable {
        let rows = group.top.prefix(top).enumerated().map { index, row -> [ResultTable.Cell] in
            let origin = group.provenance[row.backtestID]
            return [
                .integer(Int64(index + 1)), .text(row.backtestID),
            ]
                + Self.metrics.map { ReadModelService.cell(row.metric($0)) }
                + [
                    row.reportedROI.map(ResultTable.Cell.number) ?? .null,
                    origin?.runtimePosition.map(ResultTable.Cell.integer) ?? .null,
                    origin?.metricsPosition.map(ResultTable.Cell.integer) ?? .null,
                    origin?.bodySHA256.map(ResultTable.Cell.text) ?? .null, .init(row.market),
                    .text(ReadableNumbers.text(.init(row.parameters), display: .parameters)),
                ]
        }
        return ResultTable(
            columns: ["rank", "backtest_id"] + Self.metrics
                + ["reported_roi", "runtime_position", "metrics_position", "body_sha256", "market", "parameters"],
            rows: Array(rows), displays: ["reported_roi": .percent])
    }

    private var returnHistogram: String {
        Self.histogram(
            group.charts.returnBins ?? HistogramBins(count: 0, range: ValueRange()),
            title: "Distribution of total return", label: "total return")
    }

    /// Bars labelled with their range and count.
    static func histogram(_ bins: HistogramBins, title: String, label: String) -> String {
        var chart = XYChart(
            title: title, x: label, .percent, covering: [bins.lowest, bins.upper], y: "backtests", .number,
            covering: bins.counts.map(Double.init), yIncludingZero: true)
        for (index, count) in bins.counts.enumerated() where count > 0 {
            let from = bins.lowest + Double(index) * bins.width
            chart.bar(
                from: from, to: from + bins.width, height: Double(count),
                tip: "\(AxisFormat.percent.text(from)) to \(AxisFormat.percent.text(from + bins.width)): \(count)")
        }
        return chart.svg
    }

    /// The axes of the return-against-drawdown chart, covering every point of `scatter`.
    static func drawdownReturnAxes(_ scatter: LabCharts.Scatter) -> (x: ChartAxis, y: ChartAxis) {
        let chart = XYChart(
            title: "", x: "max drawdown", .percent, covering: scatter.x.ends, y: "total return", .percent,
            covering: scatter.y.ends)
        return (chart.x, chart.y)
    }

    /// The axes of the win-rate-against-profit-factor chart, covering every point of `scatter`.
    static func winRateFactorAxes(_ scatter: LabCharts.Scatter) -> (x: ChartAxis, y: ChartAxis) {
        let chart = XYChart(
            title: "", x: "win rate", .percent, covering: scatter.x.ends, y: "profit factor", .number,
            covering: scatter.y.ends)
        return (chart.x, chart.y)
    }

    /// A scatter's points one by one, best total return first (the order of the lab's table), or its density.
    private func draw(
        _ scatter: LabCharts.Scatter, on chart: inout XYChart, leaving left: Set<String> = [],
        tip: (ChartPoint) -> String
    ) {
        guard !scatter.drawnAsDensity else { return chart.density(scatter.density) }
        let ordered = scatter.points.sorted {
            ChartedBacktest.ranksBefore(($0.totalReturn, $0.id), ($1.totalReturn, $1.id))
        }
        for point in ordered where !left.contains(point.id) { chart.point(point.x, point.y, tip: tip(point)) }
    }

    private var returnAgainstDrawdown: String {
        let scatter = group.charts.drawdownReturn
        let axes = Self.drawdownReturnAxes(scatter)
        var chart = XYChart(title: "Total return against max drawdown (red: Pareto front)", x: axes.x, y: axes.y)
        let front = scatter.front.ordered
        draw(scatter, on: &chart, leaving: Set(front.map(\.id))) {
            Self.tip($0.id, ("drawdown", $0.x), ("return", $0.y))
        }
        chart.line(front.map { ($0.x, $0.y) }, className: "line front")
        for point in front {
            chart.point(
                point.x, point.y, tip: Self.tip(point.id, ("drawdown", point.x), ("return", point.y)),
                className: "pt front", radius: 3.5)
        }
        return chart.svg
    }

    private var winRateAgainstProfitFactor: String {
        let scatter = group.charts.winRateFactor
        let axes = Self.winRateFactorAxes(scatter)
        var chart = XYChart(title: "Win rate against profit factor", x: axes.x, y: axes.y)
        let infinite = group.charts.infiniteProfitFactor
        if infinite > 0 { chart.note("\(infinite) with no losing trade (profit factor +inf) not drawn") }
        draw(scatter, on: &chart) { Self.tip($0.id, ("win rate", $0.x), ("profit factor", $0.y)) }
        return chart.svg
    }

    /// `id` and its values, for a tooltip.
    static func tip(_ id: String, _ first: (String, Double), _ second: (String, Double)) -> String {
        func shown(_ pair: (String, Double)) -> String {
            let format: AxisFormat = pair.0 == "profit factor" ? .number : .percent
            return
                "\(pair.0) \(format == .number ? ReadableNumbers.significant(pair.1) : ReadableNumbers.grouped(pair.1 * 100, decimals: 2) + " %")"
        }
        return "\(id)\n\(shown(first)), \(shown(second))"
    }
}
