extension FormulaSet {
    /// The first published set. Never edited: a test pins its outputs.
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

    /// `canonical@1` with exposure counted on the input's own bar grid (reference/metrics.md §2.12). Every other
    /// definition of `@1` was checked against the reference's table and its edge cases and is kept.
    public static let canonicalV2 = FormulaSet(
        id: "canonical", version: 2, parameters: FormulaParameters(exposure: .barsHeldOverBars),
        summary: "canonical@1 with exposure counted on the input's own bar grid (reference/metrics.md §2.12)",
        matches: canonicalV1.matches.map {
            $0.metric == "exposure" ? ("exposure", "backtrader TradeAnalyzer len.total / N, on the input's bars") : $0
        },
        changes: [
            (
                "exposure",
                "bars that end with a position ÷ bars, on the input's own grid, as backtrader counts it: a business-day "
                    + "series no longer counts weekends, and a position opened and closed inside one bar is not time "
                    + "in market; @1 divided the held time by the curve's span"
            )
        ])
}
