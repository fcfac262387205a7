import Foundation
import JSON
import Projections

/// A `--where` on what is not a metric: a backtest's own columns (`market=BINANCE_BTC_USDT_`,
/// `script_name!=MadHatter Bot`) or one of its script parameters (`param.Stop Loss>=2`). Values compare as
/// numbers when both sides are numbers, else as text; a backtest without the column or parameter fails it.
struct ColumnCondition: Sendable, Equatable {
    /// Columns of `query backtests` a condition may name besides `param.KEY`.
    static let columns = ["backtest_id", "lab_id", "market", "script_name", "script_version", "reported_roi"]

    let column: String
    let comparison: BacktestQuery.Filter.Comparison
    let value: String

    /// Parses `COLUMN OP VALUE` where COLUMN is one of `columns` or `param.KEY`; nil for anything else (a metric
    /// condition, or no condition at all).
    init?(_ text: String) {
        for comparison in BacktestQuery.Filter.Comparison.allCases {
            guard let range = text.range(of: comparison.rawValue) else { continue }
            let name = text[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            var value = text[range.upperBound...].trimmingCharacters(in: .whitespaces)
            guard Self.columns.contains(name) || (name.hasPrefix("param.") && name.count > 6) else { return nil }
            if value.count >= 2, let first = value.first, first == value.last, first == "'" || first == "\"" {
                value = String(value.dropFirst().dropLast())
            }
            self.column = name
            self.comparison = comparison
            self.value = value
            return
        }
        return nil
    }

    /// The parameter a `param.KEY` condition names, matched on the whole key or on its last segment (HaasOnline
    /// keys read `11-11-14-32.BBands Length`; `param.BBands Length` finds it).
    static func parameter(_ key: String, in parameters: [String: JSONValue]) -> JSONValue? {
        if let exact = parameters[key] { return exact }
        return parameters.first { name, _ in name.split(separator: ".").last.map(String.init) == key }?.value
    }

    /// Whether a backtest whose `column` reads `actual` (nil: it has none) meets the condition.
    func accepts(_ actual: String?) -> Bool {
        guard let actual else { return false }
        if let left = Double(actual), let right = Double(value) {
            return BacktestQuery.Filter(metric: column, comparison: comparison, value: right).accepts(left)
        }
        switch comparison {
        case .equal: return actual == value
        case .notEqual: return actual != value
        case .less: return actual < value
        case .lessOrEqual: return actual <= value
        case .greater: return actual > value
        case .greaterOrEqual: return actual >= value
        }
    }
}
