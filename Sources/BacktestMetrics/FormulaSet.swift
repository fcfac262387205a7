#if canImport(Glibc)
    import Glibc
#endif

/// Everything that changes a number. Two formula sets that differ in any of these are different versions.
public struct FormulaParameters: Sendable, Equatable {
    /// Delta degrees of freedom of standard deviations (1: sample).
    public var ddof: Int
    /// How an annual risk-free rate becomes a per-period one.
    public var riskFreeConversion: String
    /// How the equity curve is sampled before return statistics.
    public var sampling: String
    /// What seeds the running peak of drawdowns.
    public var drawdownAnchor: String
    /// Where periods per year come from.
    public var periodsPerYear: String

    public init(
        ddof: Int = 1, riskFreeConversion: String = "geometric", sampling: String = "1d UTC, regular grid",
        drawdownAnchor: String = "E0", periodsPerYear: String = "365 × 86400 / bar seconds"
    ) {
        self.ddof = ddof
        self.riskFreeConversion = riskFreeConversion
        self.sampling = sampling
        self.drawdownAnchor = drawdownAnchor
        self.periodsPerYear = periodsPerYear
    }

    public var entries: [(String, String)] {
        [
            ("ddof", String(ddof)), ("rf_conversion", riskFreeConversion), ("sampling", sampling),
            ("drawdown_anchor", drawdownAnchor), ("periods_per_year", periodsPerYear),
        ]
    }
}

/// A versioned set of metric formulas. Published versions are never edited: a change is a new version.
public struct FormulaSet: Sendable {
    public let id: String
    public let version: Int
    public let parameters: FormulaParameters
    /// Which library each metric matches exactly (reference/metrics.md §0).
    public let matches: [(metric: String, library: String)]
    public let summary: String

    public init(
        id: String, version: Int, parameters: FormulaParameters, summary: String,
        matches: [(metric: String, library: String)]
    ) {
        self.id = id
        self.version = version
        self.parameters = parameters
        self.summary = summary
        self.matches = matches
    }

    /// `id@version`, e.g. `canonical@1`.
    public var name: String { "\(id)@\(version)" }

    public func compute(_ inputs: MetricInputs, settings: MetricSettings) -> MetricValues {
        CanonicalFormulas(parameters: parameters, settings: settings).compute(inputs)
    }
}

/// The formula sets this build knows. Adding a version is adding an entry; editing one is forbidden
/// (a test pins `canonical@1`'s outputs).
public struct FormulaRegistry: Sendable {
    public private(set) var sets: [FormulaSet]

    public init(_ sets: [FormulaSet]) { self.sets = sets }

    public static let builtIn = FormulaRegistry([.canonicalV1])
    /// The formula a runtime gets when it is recorded.
    public static let defaultSet = FormulaSet.canonicalV1
    public static let defaultName = defaultSet.name

    public func find(_ name: String) -> FormulaSet? { sets.first { $0.name == name } }

    public mutating func register(_ set: FormulaSet) throws(FormulaRegistryError) {
        if find(set.name) != nil { throw .alreadyRegistered(set.name) }
        sets.append(set)
    }
}

public enum FormulaRegistryError: Error, Equatable, CustomStringConvertible {
    case alreadyRegistered(String)
    public var description: String {
        switch self {
        case .alreadyRegistered(let name): return "formula \(name) is already registered; publish a new version instead"
        }
    }
}

extension FormulaSet {
    public static let canonicalV1 = FormulaSet(
        id: "canonical", version: 1, parameters: FormulaParameters(),
        summary: "reference/metrics.md §0: count-based CAGR, E0-anchored drawdown, sample std, rf geometric",
        matches: [
            ("total_return", "empyrical cum_returns_final, quantstats comp, ffn, vectorbt"),
            ("cagr", "empyrical annual_return, vectorbt annualized, quantstats ≥ 0.0.70 cagr"),
            ("max_drawdown", "empyrical, quantstats, ffn, vectorbt Portfolio, backtrader (÷100, sign flipped)"),
            ("max_drawdown_abs", "backtrader DrawDown.max.moneydown"),
            ("annual_volatility", "empyrical, quantstats, ffn, vectorbt"),
            ("sharpe_ratio", "empyrical 0.7.1 (zero-dispersion handling), quantstats, vectorbt"),
            ("sortino_ratio", "empyrical, vectorbt, ffn, quantstats (non-degenerate)"),
            ("downside_deviation_annual", "empyrical downside_risk, vectorbt downside_risk"),
            ("calmar_ratio", "empyrical, vectorbt returns accessor"),
            ("recovery_factor", "classic platform definition (net profit / max drawdown in currency)"),
            ("exposure", "backtrader TradeAnalyzer len.total / N"),
            ("win_rate", "vectorbt trades.win_rate"),
            ("profit_factor", "vectorbt trades.profit_factor"),
            ("avg_win / avg_loss", "vectorbt trades.winning/losing pnl mean, backtrader won/lost pnl average"),
            ("payoff_ratio", "pyfolio / LEAN shape, on net PnL"),
            ("expectancy", "vectorbt 1.2.0 trades.expectancy, backtrader pnl.net.average"),
            ("total_fees", "vectorbt Total Fees Paid, LEAN TotalFees"),
            ("fee_share_of_gross_pnl", "ours"),
        ])
}

/// The canonical definitions, parameterised by `FormulaParameters`.
struct CanonicalFormulas {
    let parameters: FormulaParameters
    let settings: MetricSettings

    func compute(_ inputs: MetricInputs) -> MetricValues {
        var values = MetricValues()
        let equity = inputs.equity
        let ppy = settings.periodsPerYear
        let first = equity.first ?? .nan
        let last = equity.last ?? .nan
        let returns = inputs.returns ?? zip(equity.dropFirst(), equity).map { $0 / $1 - 1 }
        let periods = returns.count
        let riskFree = pow(1 + settings.riskFreeAnnual, 1 / ppy) - 1
        let excess = returns.map { $0 - riskFree }

        values.set("total_return", MetricValue.ratio(last - first, first))
        values.set("net_profit", last - first)
        values.set("years", Double(periods) / ppy)
        let cagr: MetricValue =
            periods < 1 || first <= 0 || last / first < 0
            ? .undefined : MetricValue(pow(last / first, ppy / Double(periods)) - 1)
        values.set("cagr", cagr)

        // Drawdowns: the running peak starts at E0, so a loss in the first period counts.
        var peak = first
        var drawdown = 0.0
        var drawdownAbs = 0.0
        for point in equity {
            peak = max(peak, point)
            if peak > 0 { drawdown = min(drawdown, point / peak - 1) }
            drawdownAbs = max(drawdownAbs, peak - point)
        }
        let maxDrawdown: MetricValue = first > 0 ? .value(drawdown) : .undefined
        values.set("max_drawdown", maxDrawdown)
        values.set("max_drawdown_abs", drawdownAbs)

        let annualization = sqrt(ppy)
        let enoughPeriods = periods > parameters.ddof && periods >= 2
        let volatility: MetricValue =
            !enoughPeriods
            ? .undefined
            : Statistics.hasNoDispersion(returns)
                ? .value(0)
                : MetricValue(Statistics.standardDeviation(returns, ddof: parameters.ddof) * annualization)
        values.set("annual_volatility", volatility)
        let meanExcess = Statistics.mean(excess)
        let sharpe: MetricValue =
            !enoughPeriods
            ? .undefined
            : Statistics.hasNoDispersion(excess)
                ? MetricValue.ratio(meanExcess, 0)
                : MetricValue(meanExcess / Statistics.standardDeviation(excess, ddof: parameters.ddof) * annualization)
        values.set("sharpe_ratio", sharpe)
        let downside = periods < 2 ? Double.nan : sqrt(Statistics.mean(excess.map { min($0, 0) * min($0, 0) }))
        values.set("downside_deviation_annual", downside * annualization)
        values.set("sortino_ratio", periods < 2 ? .undefined : MetricValue.ratio(meanExcess * annualization, downside))
        let calmar: MetricValue =
            drawdown == 0 || maxDrawdown == .undefined ? .undefined : MetricValue(cagr.double / abs(drawdown))
        values.set("calmar_ratio", calmar)
        values.set("recovery_factor", drawdownAbs == 0 ? .undefined : MetricValue((last - first) / drawdownAbs))

        let trades = inputs.trades
        let span = inputs.endTime - inputs.startTime
        values.set(
            "exposure",
            span > 0 ? MetricValue(timeInMarket(trades, from: inputs.startTime, to: inputs.endTime) / span) : .undefined
        )
        let pnls = trades.map(\.netPnL)
        let wins = pnls.filter { $0 > 0 }
        let losses = pnls.filter { $0 < 0 }
        let count = Double(trades.count)
        values.set("num_trades", count)
        values.set("num_winning", Double(wins.count))
        values.set("num_losing", Double(losses.count))
        values.set("num_breakeven", Double(trades.count - wins.count - losses.count))
        values.set("win_rate", trades.isEmpty ? .undefined : .value(Double(wins.count) / count))
        values.set("loss_rate", trades.isEmpty ? .undefined : .value(Double(losses.count) / count))
        let grossProfit = Statistics.sum(wins)
        let grossLoss = Statistics.sum(losses)
        values.set("gross_profit", grossProfit)
        values.set("gross_loss", grossLoss)
        values.set("profit_factor", trades.isEmpty ? .undefined : MetricValue.ratio(grossProfit, abs(grossLoss)))
        let averageWin = wins.isEmpty ? MetricValue.undefined : .value(Statistics.mean(wins))
        let averageLoss = losses.isEmpty ? MetricValue.undefined : .value(Statistics.mean(losses))
        values.set("avg_win", averageWin)
        values.set("avg_loss", averageLoss)
        values.set(
            "payoff_ratio",
            averageWin == .undefined || averageLoss == .undefined
                ? .undefined : MetricValue.ratio(averageWin.double, abs(averageLoss.double)))
        values.set("expectancy", trades.isEmpty ? .undefined : .value(Statistics.mean(pnls)))
        values.set("avg_trade_return", trades.isEmpty ? .undefined : .value(Statistics.mean(trades.map(\.entryReturn))))
        let totalNet = Statistics.sum(pnls)
        let totalGross = Statistics.sum(trades.map(\.grossPnL))
        let totalFees = Statistics.sum(trades.map(\.fees))
        values.set("total_net_pnl", totalNet)
        values.set("total_gross_pnl", totalGross)
        values.set("total_fees", totalFees)
        values.set("fee_share_of_gross_pnl", totalGross <= 0 ? .undefined : .value(totalFees / totalGross))
        values.set("fee_drag_on_capital", MetricValue.ratio(totalFees, first))
        return values
    }

    /// Length of the union of the trades' holding intervals inside [start, end].
    private func timeInMarket(_ trades: [Trade], from start: Double, to end: Double) -> Double {
        let intervals = trades.map { (max(start, $0.entryTime), min(end, $0.exitTime)) }.filter { $0.0 < $0.1 }
            .sorted { $0.0 < $1.0 }
        var total = 0.0
        var current: (Double, Double)?
        for interval in intervals {
            if let open = current, interval.0 <= open.1 {
                current = (open.0, max(open.1, interval.1))
            } else {
                if let open = current { total += open.1 - open.0 }
                current = interval
            }
        }
        if let open = current { total += open.1 - open.0 }
        return total
    }
}
