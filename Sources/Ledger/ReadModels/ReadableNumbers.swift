import EventLog
import JSON

/// Numbers as a person reads them in a table: returns and rates as percentages with two decimals, other numbers
/// to four significant digits with thousands separated, whole counts as integers. `--raw` (and every CSV, JSON
/// and NDJSON) keeps full precision.
enum ReadableNumbers {
    enum Style: Equatable {
        case percent
        case significant
        /// Integers that a person types back (positions, ids): never grouped.
        case verbatim
    }

    /// Metrics that are returns or rates (fractions of 1).
    static let fractions: Set<String> = [
        "total_return", "cagr", "max_drawdown", "annual_volatility", "downside_deviation_annual", "win_rate",
        "loss_rate", "exposure", "avg_trade_return", "fee_share_of_gross_pnl", "fee_drag_on_capital",
    ]

    /// Columns typed back into commands as they are shown (`--at-position 1234`).
    static let verbatim: Set<String> = [
        "position", "valid_from", "valid_to", "first_position", "last_position", "rank_from", "rank_to",
        "runtime_position", "metrics_position", "generation", "population", "causation",
    ]

    /// The style of a column, by its name (`total_return_delta` and `total_return (canonical@1)` as
    /// `total_return`).
    static func style(ofColumn column: String) -> Style {
        let name = column.split(separator: " ").first.map(String.init) ?? column
        if verbatim.contains(name) { return .verbatim }
        let base = name.hasSuffix("_delta") ? String(name.dropLast("_delta".count)) : name
        return fractions.contains(base) ? .percent : .significant
    }

    static func text(_ cell: ResultTable.Cell, style: Style) -> String {
        switch cell {
        case .null: return ""
        case .text(let text): return text
        case .nonNumber(let text): return text == ResultTable.Cell.notComputed ? "-" : text
        case .integer(let value): return style == .verbatim ? String(value) : grouped(Double(value), decimals: 0)
        case .number(let value):
            guard value.isFinite else { return value.isNaN ? "undefined" : value > 0 ? "+inf" : "-inf" }
            switch style {
            case .verbatim: return cell.exactText
            case .percent: return grouped(value * 100, decimals: 2) + " %"
            case .significant: return significant(value)
            }
        }
    }

    /// A cell in a column with a display of its own.
    static func text(_ cell: ResultTable.Cell, display: ResultTable.Display) -> String {
        if display == .parameters {
            guard case .text(let text) = cell, case .object(let members)? = try? JSONParser.parse(text) else {
                return text(cell, style: .significant)
            }
            return members.map { "\($0.key)=\($0.value.stringValue ?? CanonicalJSON.string($0.value))" }
                .joined(separator: " ")
        }
        if display == .shortHash {
            guard case .text(let hash) = cell else { return text(cell, style: .significant) }
            return hash.count > 12 ? String(hash.prefix(12)) + "…" : hash
        }
        let number: Double? =
            switch cell {
            case .integer(let value): Double(value)
            case .number(let value): value
            default: nil
            }
        guard let number else { return text(cell, style: .significant) }
        switch display {
        case .labStatus:
            return Double(Int(number)) == number ? labStatus(Int(number)) : "status \(cell.exactText)"
        case .microseconds:
            return Timestamp.readable(Int64(number))
        case .bytes:
            return number < 1_000 ? "\(Int(number)) B" : DiskSpace.text(UInt64(max(0, number)))
        case .percent:
            return significant(number) + " %"
        case .fraction:
            return text(cell, style: .percent)
        case .shortHash, .parameters:
            return text(cell, style: .significant)
        }
    }

    /// A lab's `S` by name (`COMPLETED`, not `3`), wherever a person reads it.
    static func labStatus(_ code: Int?) -> String {
        let names = ["CREATED", "QUEUED", "RUNNING", "COMPLETED", "CANCELLED"]
        guard let code else { return "unknown" }
        return names.indices.contains(code) ? names[code] : "status \(code)"
    }

    /// Four significant digits; whole numbers (counts) as integers; very small magnitudes in e-notation.
    static func significant(_ value: Double) -> String {
        if value == 0 { return "0" }
        if value == value.rounded() && abs(value) < 1e15 { return grouped(value, decimals: 0) }
        let magnitude = abs(value)
        if magnitude < 1e-4 {
            let exponent = Int((magnitude).log10Floor)
            let mantissa = value / pow10(exponent)
            return decimal(mantissa, decimals: 3) + "e" + String(exponent)
        }
        let digits = Int(magnitude.log10Floor) + 1
        return grouped(value, decimals: max(0, 4 - digits))
    }

    /// `value` with `decimals` decimals and thousands separated by commas.
    static func grouped(_ value: Double, decimals: Int) -> String {
        let text = decimal(value, decimals: decimals)
        let negative = text.hasPrefix("-")
        let unsigned = negative ? String(text.dropFirst()) : text
        let parts = unsigned.split(separator: ".", maxSplits: 1)
        var integer = String(parts[0])
        var index = integer.count - 3
        while index > 0 {
            integer.insert(",", at: integer.index(integer.startIndex, offsetBy: index))
            index -= 3
        }
        return (negative ? "-" : "") + integer + (parts.count > 1 ? "." + parts[1] : "")
    }

    /// Fixed-point text with `decimals` decimals, rounded half away from zero (no Foundation formatting).
    static func decimal(_ value: Double, decimals: Int) -> String {
        let scale = pow10(decimals)
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e15 else { return String(value) }
        let whole = UInt64(scaled)
        let divisor = UInt64(scale)
        var text = String(whole / divisor)
        if decimals > 0 {
            let fraction = String(whole % divisor)
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return (value < 0 && whole != 0 ? "-" : "") + text
    }

    static func pow10(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<abs(exponent) { result *= 10 }
        return exponent < 0 ? 1 / result : result
    }
}

extension Double {
    /// ⌊log₁₀ |self|⌋ for a positive finite value.
    var log10Floor: Double {
        var exponent = 0.0
        var value = self
        while value >= 10 { value /= 10; exponent += 1 }
        while value < 1 { value *= 10; exponent -= 1 }
        return exponent
    }
}

extension ResultTable.Cell {
    /// Full precision, as `--raw` prints it: the exact number, and metrics that are not numbers by name.
    var exactText: String {
        switch self {
        case .nonNumber(let text): return text
        case .number(let value) where !value.isFinite: return value.isNaN ? "undefined" : value > 0 ? "+inf" : "-inf"
        default: return plain
        }
    }
}
