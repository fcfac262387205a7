import BacktestMetrics
import Projections

/// A top backtest's own section, from its runtime body: the realized equity curve, its underwater drawdown, the
/// monthly returns and the trades.
struct ReportBacktestSection {
    /// Trades listed in full up to this many (the rest are counted).
    static let tradesShown = 200

    let detail: BacktestDetail

    var html: String {
        var parts = [
            "<section class=\"backtest\">",
            HTML.heading(3, "Backtest \(detail.backtestID)", id: HTML.anchor("bt", detail.backtestID)),
        ]
        parts.append(HTML.facts(headline))
        if detail.equity.count > 1, detail.capital != nil {
            parts.append("<div class=\"charts\">" + equityChart + underwaterChart + "</div>")
            parts.append(monthlyReturns)
        } else {
            parts.append(
                HTML.paragraph(
                    "No equity curve: the runtime reports no ROI margin to measure returns against.", className: "note")
            )
        }
        parts.append(tradesTable)
        parts.append("</section>")
        return parts.joined()
    }

    private var headline: [(String, String)] {
        ReportLabSection.metrics.map { name in
            (
                name.replacingUnderscores,
                ReadableNumbers.text(
                    ReadModelService.cell(detail.row.metric(name)), style: ReadableNumbers.style(ofColumn: name))
            )
        } + [("Capital (ROI margin)", detail.capital.map(ReadableNumbers.significant) ?? "-")]
    }

    private var equityChart: String {
        var chart = XYChart(
            title: "Equity (realized, daily)", x: "date", .date, covering: detail.equity.map(\.time), y: "equity",
            .number, covering: detail.equity.map(\.value))
        chart.line(detail.equity.map { ($0.time, $0.value) })
        if let capital = detail.capital { chart.rule(y: capital) }
        return chart.svg
    }

    /// Each day's equity below its running peak, as a fraction of the peak.
    var underwater: [(time: Double, value: Double)] {
        var peak = -Double.infinity
        return detail.equity.map { point in
            peak = max(peak, point.value)
            return (point.time, peak > 0 ? point.value / peak - 1 : 0)
        }
    }

    private var underwaterChart: String {
        let curve = underwater
        var chart = XYChart(
            title: "Underwater (drawdown from the running peak)", x: "date", .date, covering: curve.map(\.time),
            y: "drawdown", .percent, covering: curve.map(\.value), yIncludingZero: true)
        chart.area(curve.map { ($0.time, $0.value) })
        return chart.svg
    }

    /// Each calendar month's return: its last equity against the previous month's last (the first month against
    /// the starting capital).
    var monthly: [(year: Int64, month: Int64, value: Double)] {
        var result: [(year: Int64, month: Int64, value: Double)] = []
        var previous = detail.equity.first?.value ?? 0
        var current: (year: Int64, month: Int64, last: Double)?
        for point in detail.equity {
            let date = CivilDate(seconds: point.time)
            if let open = current, open.year != date.year || open.month != date.month {
                result.append((open.year, open.month, previous > 0 ? open.last / previous - 1 : 0))
                previous = open.last
            }
            current = (date.year, date.month, point.value)
        }
        if let open = current { result.append((open.year, open.month, previous > 0 ? open.last / previous - 1 : 0)) }
        return result
    }

    private var monthlyReturns: String {
        let months = monthly
        let years = Array(Set(months.map(\.year))).sorted()
        var values = Array(repeating: Array(repeating: Double?.none, count: 12), count: years.count)
        for entry in months {
            values[years.firstIndex(of: entry.year)!][Int(entry.month) - 1] = entry.value
        }
        return Heatmap(
            title: "Monthly returns",
            columns: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
            rows: years.map(String.init), values: values, format: .percent
        ).svg
    }

    private var tradesTable: String {
        let trades = detail.trades.sorted { ($0.exitTime, $0.entryTime) < ($1.exitTime, $1.entryTime) }
        let rows: [[ResultTable.Cell]] = trades.prefix(Self.tradesShown).enumerated().map { index, trade in
            [
                .integer(Int64(index + 1)), .text(trade.side == .long ? "long" : "short"),
                .text(Timestamp.readable(Int64(trade.entryTime * 1_000_000))),
                .text(Timestamp.readable(Int64(trade.exitTime * 1_000_000))), .number(trade.size),
                .number(trade.entryPrice), .number(trade.exitPrice), .number(trade.fees), .number(trade.netPnL),
            ]
        }
        let caption =
            trades.count > Self.tradesShown
            ? "Trades: the first \(Self.tradesShown) of \(trades.count) by exit time (`haasledger log show` has all)"
            : "Trades (\(trades.count))"
        return HTML.table(
            ResultTable(
                columns: ["trade", "side", "entry", "exit", "size", "entry_price", "exit_price", "fees", "net_pnl"],
                rows: rows), caption: caption)
    }
}
