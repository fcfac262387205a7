import XLSXKit

/// How each column looks in a workbook: returns and rates as percentages, money with two decimals and
/// thousands, counts as integers, times as dates; every cell keeps its exact value.
enum WorkbookStyles {
    /// Amounts of money (the quote currency).
    static let currency: Set<String> = [
        "avg_loss", "avg_win", "expectancy", "gross_loss", "gross_profit", "max_drawdown_abs", "net_profit",
        "total_fees", "total_gross_pnl", "total_net_pnl", "fees_usdt", "realized_profits_usdt", "total_profit",
        "net_pnl", "fees",
    ]
    static let integers: Set<String> = [
        "num_breakeven", "num_losing", "num_trades", "num_winning", "generation", "population", "interval",
        "losing_trades", "winning_trades", "positions", "trades", "total_trades", "orders", "trade", "told",
        "budget", "best_trial", "scheduled_backtests", "completed_backtests", "valid_from", "rank", "seed",
    ]
    static let times: Set<String> = ["start_time", "end_time", "as_of", "entry_time", "exit_time", "started_at"]

    static func style(_ column: String) -> XLSXStyle {
        if times.contains(column) { return .dateTime }
        if currency.contains(column) { return .currency }
        if integers.contains(column) { return .integer }
        if ReadableNumbers.style(ofColumn: column) == .percent { return .percent }
        return .general
    }

    /// A cell as the workbook holds it: numbers as numbers; ±inf as the text `+inf`/`-inf` (a spreadsheet has no
    /// infinity); undefined and not computed as an empty cell; ISO-8601 times and µs as dates; lab status by name.
    static func value(_ cell: ResultTable.Cell, column: String, display: ResultTable.Display? = nil) -> XLSXValue {
        switch cell {
        case .null: return .empty
        case .integer(let value):
            if display == .labStatus { return .text(ReadableNumbers.labStatus(Int(value))) }
            if display == .microseconds { return .time(Double(value) / 1e6) }
            return .number(Double(value))
        case .number(let value):
            guard value.isFinite else { return value.isNaN ? .empty : .text(value > 0 ? "+inf" : "-inf") }
            return .number(value)
        case .nonNumber(let text): return text == "+inf" || text == "-inf" ? .text(text) : .empty
        case .text(let text):
            if times.contains(column), let micros = Timestamp.parse(text) { return .time(Double(micros) / 1e6) }
            return .text(text)
        }
    }
}
