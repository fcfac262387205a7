import JSON
import Projections

/// A sweep's part of the report: the objective by trial with the best so far, each parameter against the
/// objective, the two most important parameters as a map, parallel coordinates, and the trials table.
struct ReportSweepSection {
    let standing: SweepStanding

    /// A trial with its parameters parsed.
    private typealias Trial = (number: Int64, state: String, objective: Double?, parameters: [String: JSONValue])

    private var objective: String { standing.sweep.objective ?? "objective" }
    private var maximize: Bool { standing.sweep.direction != "minimize" }
    private var format: AxisFormat { ReadableNumbers.style(ofColumn: objective) == .percent ? .percent : .number }

    /// Trials by number with a parsed parameter object.
    private var trials: [Trial] {
        standing.trials.map { item in
            (item.trial.trial, item.state, item.objective, ReadModelService.parameterObject(item.trial.parameters))
        }.sorted { $0.number < $1.number }
    }

    var html: String {
        let sweep = standing.sweep
        var parts = [HTML.heading(2, "Sweep \(sweep.sweepID)", id: HTML.anchor("sweep", sweep.sweepID))]
        parts.append(
            HTML.facts([
                ("Objective", "\(maximize ? "maximise" : "minimise") \(objective) under \(standing.formula)"),
                ("Sampler", "\(sweep.sampler ?? "-") (seed \(sweep.seed.map(String.init) ?? "-"))"),
                ("Trials told", "\(sweep.told ?? 0) of \(sweep.budget.map(String.init) ?? "-")"),
                ("State", [sweep.state, sweep.stopReason].compactMap { $0 }.joined(separator: ": ")),
                (
                    "Parameter importance",
                    standing.importance.map {
                        "\($0.parameter) \(ReadableNumbers.grouped($0.share * 100, decimals: 0)) %"
                    }
                    .joined(separator: ", ")
                ),
            ]))
        let trials = self.trials
        guard trials.contains(where: { $0.objective != nil }) else {
            parts.append(HTML.paragraph("No trial has been told yet.", className: "note"))
            return parts.joined()
        }
        parts.append("<div class=\"charts\">" + objectiveByTrial(trials))
        let names = parameterNames(trials)
        for name in names { parts.append(parameterAgainstObjective(name, trials)) }
        let ranked = standing.importance.map(\.parameter).filter(names.contains)
        if ranked.count >= 2 { parts.append(twoParameterMap(ranked[0], ranked[1], trials)) }
        if !names.isEmpty { parts.append(parallelCoordinates(names, trials)) }
        parts.append("</div>")
        parts.append(HTML.table(SweepPresentation.trialsTable(standing).prefix(200), caption: "Trials, best first"))
        return parts.joined()
    }

    /// Parameters that are numbers in every trial that has them (choices of text are left to the table).
    private func parameterNames(_ trials: [Trial])
        -> [String]
    {
        let names = Set(trials.flatMap { $0.parameters.keys })
        return names.filter { name in trials.allSatisfy { $0.parameters[name].map { $0.numberValue != nil } ?? true } }
            .sorted()
    }

    private func objectiveByTrial(_ trials: [Trial])
        -> String
    {
        let told = trials.compactMap { trial in trial.objective.map { (trial.number, trial.state, $0) } }
        var chart = XYChart(
            title: "\(objective.replacingUnderscores) by trial (green: best so far)", x: "trial", .number,
            covering: told.map { Double($0.0) }, y: objective.replacingUnderscores, format,
            covering: told.map(\.2).filter(\.isFinite))
        var best: Double?
        var bestLine: [(x: Double, y: Double)] = []
        for (number, state, value) in told where value.isFinite {
            if state == "complete", best == nil || (maximize ? value > best! : value < best!) { best = value }
            if let best { bestLine.append((Double(number), best)) }
            chart.point(
                Double(number), value, tip: "trial \(number) (\(state)): \(format.text(value))",
                className: state == "complete" ? "pt" : "pt infeasible")
        }
        chart.line(bestLine, className: "line best")
        return chart.svg
    }

    private func parameterAgainstObjective(
        _ name: String, _ trials: [Trial]
    ) -> String {
        let points = trials.compactMap { trial -> (Double, Double, Int64)? in
            guard let value = trial.objective, value.isFinite, let x = trial.parameters[name]?.numberValue?.doubleValue
            else {
                return nil
            }
            return (x, value, trial.number)
        }
        var chart = XYChart(
            title: "\(name) against \(objective.replacingUnderscores)", x: name, .number, covering: points.map(\.0),
            y: objective.replacingUnderscores, format, covering: points.map(\.1))
        for (x, y, number) in points {
            chart.point(x, y, tip: "trial \(number): \(name) \(ReadableNumbers.significant(x)), \(format.text(y))")
        }
        return chart.svg
    }

    /// The best objective seen in each cell of the two most important parameters (each as its distinct values
    /// when there are few, else as eight equal ranges).
    private func twoParameterMap(_ first: String, _ second: String, _ trials: [Trial]) -> String {
        let told = trials.compactMap { trial -> (x: Double, y: Double, value: Double)? in
            guard let value = trial.objective, value.isFinite,
                let x = trial.parameters[first]?.numberValue?.doubleValue,
                let y = trial.parameters[second]?.numberValue?.doubleValue
            else { return nil }
            return (x, y, value)
        }
        let columns = ParameterBins(told.map(\.x))
        let rows = ParameterBins(told.map(\.y))
        var best = Array(
            repeating: Array(repeating: Double?.none, count: columns.labels.count), count: rows.labels.count)
        for trial in told {
            let (row, column) = (rows.bin(trial.y), columns.bin(trial.x))
            if let current = best[row][column], maximize ? current >= trial.value : current <= trial.value { continue }
            best[row][column] = trial.value
        }
        var map = Heatmap(
            title: "Best \(objective.replacingUnderscores) by \(second) and \(first)", columns: columns.labels,
            rows: rows.labels, values: best, format: format)
        map.columnLabel = first
        map.rowLabel = second
        return map.svg
    }

    private func parallelCoordinates(
        _ names: [String], _ trials: [Trial]
    ) -> String {
        let axes = names + [objective]
        let told = trials.filter { $0.objective?.isFinite == true }
        func value(_ trial: Trial, _ axis: Int)
            -> Double?
        {
            axis == names.count ? trial.objective : trial.parameters[names[axis]]?.numberValue?.doubleValue
        }
        let scales = axes.indices.map { axis in
            ChartScale(
                covering: told.compactMap { value($0, axis) }, from: XYChart.height - XYChart.bottom, to: XYChart.top)
        }
        // Room on the right for the last axis's tick labels.
        let spacing = (XYChart.width - XYChart.left - 56) / Double(max(1, axes.count - 1))
        func x(_ axis: Int) -> Double { XYChart.left + Double(axis) * spacing }
        let bestNumber = standing.trials.first { $0.state == "complete" }?.trial.trial
        var parts = [
            "<svg class=\"chart\" viewBox=\"0 0 \(svgNumber(XYChart.width)) \(svgNumber(XYChart.height))\" role=\"img\" aria-label=\"parallel coordinates\">",
            "<text class=\"title\" x=\"\(svgNumber(XYChart.left))\" y=\"16\">Parallel coordinates (green: best trial)</text>",
        ]
        for trial in told {
            let points = axes.indices.compactMap { axis in value(trial, axis).map { (x(axis), scales[axis]($0)) } }
            guard points.count == axes.count else { continue }
            let d = points.enumerated().map { ($0 == 0 ? "M" : "L") + svgNumber($1.0) + " " + svgNumber($1.1) }.joined()
            let best = trial.number == bestNumber
            parts.append(
                "<path class=\"line \(best ? "best" : "faint")\" d=\"\(d)\" data-tip=\"trial \(trial.number): \(HTML.escape(format.text(trial.objective ?? 0)))\"/>"
            )
        }
        for (axis, name) in axes.enumerated() {
            let scale = scales[axis]
            parts.append(
                "<path class=\"axis\" d=\"M\(svgNumber(x(axis))) \(svgNumber(scale.start))V\(svgNumber(scale.end))\"/>")
            parts.append(
                "<text class=\"label\" x=\"\(svgNumber(x(axis)))\" y=\"\(svgNumber(XYChart.height - 10))\" text-anchor=\"middle\">\(HTML.escape(name.replacingUnderscores))</text>"
            )
            let axisFormat = axis == names.count ? format : .number
            for (tick, anchor) in [(scale.lower, scale.start), (scale.upper, scale.end)] {
                parts.append(
                    "<text class=\"tick\" x=\"\(svgNumber(x(axis) + 4))\" y=\"\(svgNumber(anchor + (anchor > XYChart.top + 1 ? -2 : 10)))\">\(HTML.escape(axisFormat.text(tick)))</text>"
                )
            }
        }
        parts.append("</svg>")
        return parts.joined()
    }
}

/// A parameter's values as the cells of a map: each distinct value when there are at most eight, else eight
/// equal ranges labelled by their lower end.
struct ParameterBins {
    static let most = 8
    let labels: [String]
    private let distinct: [Double]?
    private let lower: Double
    private let width: Double

    init(_ values: [Double]) {
        let unique = Array(Set(values)).sorted()
        lower = unique.first ?? 0
        width = ((unique.last ?? 0) - lower) / Double(Self.most)
        if unique.count <= Self.most || width <= 0 {
            distinct = unique
            labels = unique.map(ReadableNumbers.significant)
        } else {
            distinct = nil
            labels = (0..<Self.most).map { [lower, width] in
                "≥" + ReadableNumbers.significant(lower + Double($0) * width)
            }
        }
    }

    func bin(_ value: Double) -> Int {
        if let distinct { return distinct.firstIndex(of: value) ?? 0 }
        return min(Self.most - 1, max(0, Int((value - lower) / width)))
    }
}
