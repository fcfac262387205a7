import Projections

/// The sections only the ledger can write: how results moved over time (each metric after each event that
/// changed it), what changed since a moment, and what a formula change moved.
enum ReportChangeSections {
    static func overTime(_ revised: [RevisedBacktest], formula: String) -> String {
        var parts = [HTML.heading(2, "Over time", id: "over-time")]
        guard !revised.isEmpty else {
            parts.append(
                HTML.paragraph(
                    "No backtest's metrics under \(formula) changed between fetches: each has one recorded result.",
                    className: "note"))
            return parts.joined()
        }
        parts.append(
            HTML.paragraph(
                "Backtests whose metrics under \(formula) changed between fetches (at most \(ReadModelService.revisedShown), most revised first): the values computed from each runtime fetched. `haasledger history BACKTEST_ID` prints the same from the log.",
                className: "note"))
        let metrics = ReadModelService.keyMetrics
        let table = ResultTable(
            columns: ["backtest_id", "runtime_position", "fetched_at", "source", "metrics_position"] + metrics,
            rows: revised.flatMap { backtest in
                backtest.versions.map { version in
                    [
                        .text(backtest.backtestID), version.runtimePosition.map(ResultTable.Cell.integer) ?? .null,
                        version.fetchedAt.map { .text(Timestamp.readable($0)) } ?? .null, .text(version.source),
                        .integer(version.position),
                    ] + metrics.map { ReadModelService.cell(version.row?.metric($0)) }
                }
            })
        parts.append(HTML.table(table))
        parts.append(
            "<div class=\"charts\">" + chart(revised, metric: "total_return") + chart(revised, metric: "max_drawdown")
                + "</div>")
        return parts.joined()
    }

    /// `metric` of each revised backtest after each of its versions, by log position: one line per backtest.
    private static func chart(_ revised: [RevisedBacktest], metric: String) -> String {
        let lines = revised.map { backtest in
            (
                backtest.backtestID,
                backtest.versions.compactMap { version -> (x: Double, y: Double)? in
                    version.row?.metric(metric)?.number.map {
                        (Double(version.runtimePosition ?? version.position), $0)
                    }
                }
            )
        }
        let points = lines.flatMap(\.1)
        var chart = XYChart(
            title: "\(metric.replacingUnderscores) after each fetch", x: "log position of the runtime", .number,
            covering: points.map(\.x), y: metric.replacingUnderscores, .percent, covering: points.map(\.y))
        for (id, line) in lines {
            chart.line(line)
            for point in line {
                chart.point(
                    point.x, point.y,
                    tip: "\(id)\nposition \(Int64(point.x)): \(ReadableNumbers.grouped(point.y * 100, decimals: 2)) %")
            }
        }
        return chart.svg
    }

    static func since(_ changes: ResultTable, label: String) -> String {
        var parts = [HTML.heading(2, "What changed since \(label)", id: "since")]
        guard !changes.rows.isEmpty else {
            parts.append(
                HTML.paragraph("Nothing: no backtest was added, removed or changed since \(label).", className: "note"))
            return parts.joined()
        }
        var counts: [String: Int] = [:]
        for row in changes.rows { if case .text(let change) = row[0] { counts[change, default: 0] += 1 } }
        parts.append(
            HTML.facts(["added", "changed", "removed"].map { ($0, String(counts[$0] ?? 0)) }))
        parts.append(
            HTML.table(
                changes.prefix(500),
                caption: changes.rows.count > 500
                    ? "The first 500 of \(changes.rows.count) changes (`haasledger diff --from …` lists them all)"
                    : "Each backtest added, removed or changed, with its rank by total return before and after"))
        return parts.joined()
    }

    static func formulaChange(_ comparison: FormulaComparison) -> String {
        [
            HTML.heading(2, "Formula change: \(comparison.first) → \(comparison.second)", id: "formula-change"),
            HTML.paragraph(
                "The same recorded runtimes under both formula sets; nothing was fetched again. `haasledger diff --formula \(comparison.first) --formula \(comparison.second)` lists every value that moved.",
                className: "note"),
            comparison.summary.rows.isEmpty
                ? HTML.paragraph("No metric of any backtest differs between the two.", className: "note")
                : HTML.table(comparison.summary, caption: "Metrics that moved, most backtests first"),
            HTML.table(
                comparison.sideBySide,
                caption:
                    "Top backtests under \(comparison.first), with their rank and values under \(comparison.second)"),
        ].joined()
    }
}
