#if canImport(Glibc)
    import Glibc
#endif

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
        values.set("exposure", Exposure.measure(parameters.exposure, inputs))
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
}
