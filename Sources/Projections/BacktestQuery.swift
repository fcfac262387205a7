import BacktestMetrics
import Foundation

/// Which backtests `query backtests` returns.
public struct BacktestQuery: Sendable, Equatable {
    public struct Filter: Sendable, Equatable {
        public enum Comparison: String, Sendable, CaseIterable {
            case greaterOrEqual = ">=", lessOrEqual = "<=", notEqual = "!=", greater = ">", less = "<", equal = "="
        }
        public let metric: String
        public let comparison: Comparison
        public let value: Double

        public init(metric: String, comparison: Comparison, value: Double) {
            self.metric = metric
            self.comparison = comparison
            self.value = value
        }

        /// Parses `metric>value` (`>`, `>=`, `<`, `<=`, `=`, `!=`).
        public init?(_ text: String) {
            for comparison in Comparison.allCases {
                if let range = text.range(of: comparison.rawValue) {
                    let name = text[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                    let number = text[range.upperBound...].trimmingCharacters(in: .whitespaces)
                    guard !name.isEmpty, let value = Double(number) else { return nil }
                    self.metric = name
                    self.comparison = comparison
                    self.value = value
                    return
                }
            }
            return nil
        }

        public func accepts(_ value: Double?) -> Bool {
            guard let value else { return false }
            switch comparison {
            case .greater: return value > self.value
            case .greaterOrEqual: return value >= self.value
            case .less: return value < self.value
            case .lessOrEqual: return value <= self.value
            case .equal: return value == self.value
            case .notEqual: return value != self.value
            }
        }
    }

    public var lab: String?
    public var market: String?
    /// The trials of one sweep only.
    public var sweep: String?
    /// Only backtests of no lab (run directly).
    public var directOnly = false
    /// One backtest only (`history` asks for one at every event that touched it).
    public var backtest: String?
    /// Only backtests whose id is in this range (an export asks for one page of ids at a time).
    public var backtestIDs: ClosedRange<String>?
    public var formula: String
    public var filters: [Filter]
    public var sort: String?
    public var ascending: Bool
    public var limit: Int?
    /// Read as of this log position (nil: current).
    public var asOf: UInt64?

    public init(
        lab: String? = nil, market: String? = nil, sweep: String? = nil, backtest: String? = nil,
        formula: String = FormulaRegistry.defaultName,
        filters: [Filter] = [], sort: String? = nil, ascending: Bool = false, limit: Int? = nil, asOf: UInt64? = nil
    ) {
        self.lab = lab
        self.market = market
        self.sweep = sweep
        self.backtest = backtest
        self.formula = formula
        self.filters = filters
        self.sort = sort
        self.ascending = ascending
        self.limit = limit
        self.asOf = asOf
    }
}
