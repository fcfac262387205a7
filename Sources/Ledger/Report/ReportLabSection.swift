import Projections

/// A lab's part of the report: its top backtests as a sortable table with provenance, the distribution of total
/// return, return against drawdown with the Pareto front, and win rate against profit factor.
struct ReportLabSection {
    /// Above this many points a scatter is drawn as a density (the front and the table stay exact).
    static let densityThreshold = 600

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
        facts.append(("Backtests", ReadableNumbers.significant(Double(group.charted.count))))
        parts.append(HTML.facts(facts))
        guard !group.charted.isEmpty else {
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
            group.charted.compactMap { $0.totalReturn.finite }, title: "Distribution of total return",
            label: "total return")
    }

    /// `values` in about √n bins (5 to 40), bars labelled with their range and count.
    static func histogram(_ values: [Double], title: String, label: String) -> String {
        let bins = max(5, min(40, Int(Double(values.count).squareRoot().rounded(.up))))
        let lowest = values.min() ?? 0
        let highest = values.max() ?? 1
        let width = highest > lowest ? (highest - lowest) / Double(bins) : 1
        var counts = Array(repeating: 0, count: bins)
        for value in values { counts[min(bins - 1, max(0, Int((value - lowest) / width)))] += 1 }
        var chart = XYChart(
            title: title, x: label, .percent, covering: [lowest, lowest + width * Double(bins)], y: "backtests",
            .number,
            covering: counts.map(Double.init), yIncludingZero: true)
        for (index, count) in counts.enumerated() where count > 0 {
            let from = lowest + Double(index) * width
            chart.bar(
                from: from, to: from + width, height: Double(count),
                tip: "\(AxisFormat.percent.text(from)) to \(AxisFormat.percent.text(from + width)): \(count)")
        }
        return chart.svg
    }

    private var returnAgainstDrawdown: String {
        let points = group.charted.compactMap { row -> (x: Double, y: Double, id: String)? in
            guard let drawdown = row.maxDrawdown.finite, let total = row.totalReturn.finite else { return nil }
            return (drawdown, total, row.backtestID)
        }
        let front = Set(Self.paretoFront(points.map { ($0.x, $0.y) }))
        var chart = XYChart(
            title: "Total return against max drawdown (red: Pareto front)", x: "max drawdown", .percent,
            covering: points.map(\.x), y: "total return", .percent, covering: points.map(\.y))
        if points.count > Self.densityThreshold {
            chart.density(points.map { ($0.x, $0.y) })
        } else {
            for (index, point) in points.enumerated() where !front.contains(index) {
                chart.point(point.x, point.y, tip: Self.tip(point.id, ("drawdown", point.x), ("return", point.y)))
            }
        }
        let frontPoints = front.sorted().map { points[$0] }.sorted { $0.x > $1.x }
        chart.line(frontPoints.map { ($0.x, $0.y) }, className: "line front")
        for point in frontPoints {
            chart.point(
                point.x, point.y, tip: Self.tip(point.id, ("drawdown", point.x), ("return", point.y)),
                className: "pt front", radius: 3.5)
        }
        return chart.svg
    }

    private var winRateAgainstProfitFactor: String {
        let points = group.charted.compactMap { row -> (x: Double, y: Double, id: String)? in
            guard let rate = row.winRate.finite, let factor = row.profitFactor.finite else { return nil }
            return (rate, factor, row.backtestID)
        }
        let infinite = group.charted.filter { $0.profitFactor == .infinity }.count
        var chart = XYChart(
            title: "Win rate against profit factor", x: "win rate", .percent, covering: points.map(\.x),
            y: "profit factor", .number, covering: points.map(\.y))
        if infinite > 0 { chart.note("\(infinite) with no losing trade (profit factor +inf) not drawn") }
        if points.count > Self.densityThreshold {
            chart.density(points.map { ($0.x, $0.y) })
        } else {
            for point in points {
                chart.point(
                    point.x, point.y, tip: Self.tip(point.id, ("win rate", point.x), ("profit factor", point.y)))
            }
        }
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

    /// The indices of the points no other point beats on both coordinates (higher is better on each).
    static func paretoFront(_ points: [(x: Double, y: Double)]) -> [Int] {
        let order = points.indices.sorted { a, b in
            points[a].x != points[b].x ? points[a].x > points[b].x : points[a].y > points[b].y
        }
        var front: [Int] = []
        var best = -Double.infinity
        for index in order where points[index].y > best {
            front.append(index)
            best = points[index].y
        }
        return front
    }
}

extension Optional<Double> {
    /// The value when it is a finite number (a chart cannot place ±inf).
    fileprivate var finite: Double? { flatMap { $0.isFinite ? $0 : nil } }
}
