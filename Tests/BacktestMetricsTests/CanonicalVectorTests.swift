import BacktestMetrics
import Testing

@Suite struct CanonicalVectorTests {
    static let cases =
        (try? VectorCase.load("v1_crypto_daily_long_short.json") + VectorCase.load("v3_edge_cases.json")) ?? []

    @Test func vectorsLoaded() {
        #expect(
            Self.cases.map(\.id) == [
                "v1_crypto_daily_long_short", "v3a_flat_equity_no_trades", "v3b_single_winning_trade_no_fees",
                "v3c_constant_return_zero_dispersion", "v3d_constant_return_float_residue",
            ])
    }

    /// Every canonical value of every shared vector, within the fixture's 1e-9 relative tolerance, under every
    /// published version (the vectors' calendars are regular, where the versions agree).
    @Test(arguments: cases.map(\.id), ["canonical@1", "canonical@2"])
    func everyVersionMatchesTheReference(caseID: String, formula: String) throws {
        let vector = try #require(Self.cases.first { $0.id == caseID })
        let set = try #require(FormulaRegistry.builtIn.find(formula))
        let values = set.compute(vector.inputs, settings: vector.settings)
        for (name, expected) in vector.expected.sorted(by: { $0.key < $1.key }) {
            let actual = try #require(values[name], "\(formula) does not produce \(name)")
            #expect(VectorCase.matches(actual, expected), "\(caseID) \(name): \(actual) vs \(expected)")
        }
    }

    /// `canonical@1` is published: these outputs may never change. A new formula is a new version.
    @Test func canonicalV1IsPinned() throws {
        let v1 = try #require(Self.cases.first)
        let values = FormulaSet.canonicalV1.compute(v1.inputs, settings: v1.settings)
        #expect(
            values["sharpe_ratio"] == .value(3.062046731207617)
                || abs((values["sharpe_ratio"]?.double ?? 0) - 3.062046731) < 1e-9)
        #expect(
            values.entries.map(\.name) == [
                "total_return", "net_profit", "years", "cagr", "max_drawdown", "max_drawdown_abs", "annual_volatility",
                "sharpe_ratio", "downside_deviation_annual", "sortino_ratio", "calmar_ratio", "recovery_factor",
                "exposure",
                "num_trades", "num_winning", "num_losing", "num_breakeven", "win_rate", "loss_rate", "gross_profit",
                "gross_loss", "profit_factor", "avg_win", "avg_loss", "payoff_ratio", "expectancy", "avg_trade_return",
                "total_net_pnl", "total_gross_pnl", "total_fees", "fee_share_of_gross_pnl", "fee_drag_on_capital",
            ])
    }

    /// What `canonical@1` records as its parameters may not change either: they are in every event it wrote.
    @Test func canonicalV1ParametersArePinned() {
        #expect(
            FormulaSet.canonicalV1.parameters.entries.map { "\($0)=\($1)" } == [
                "ddof=1", "rf_conversion=geometric", "sampling=1d UTC, regular grid", "drawdown_anchor=E0",
                "periods_per_year=365 × 86400 / bar seconds",
            ])
        #expect(FormulaSet.canonicalV2.parameters.entries.last! == ("exposure", "bars held ÷ bars, on the input's own grid"))
        #expect(FormulaRegistry.defaultName == "canonical@2")
        #expect(FormulaSet.canonicalV2.changes.map(\.metric) == ["exposure"])
    }

    @Test func aDifferentDdofIsADifferentVersion() throws {
        let v1 = try #require(Self.cases.first)
        var parameters = FormulaParameters()
        parameters.ddof = 0
        let v9 = FormulaSet(id: "canonical", version: 9, parameters: parameters, summary: "population std", matches: [])
        var registry = FormulaRegistry.builtIn
        try registry.register(v9)
        #expect(throws: FormulaRegistryError.alreadyRegistered("canonical@1")) { try registry.register(.canonicalV1) }
        let one = FormulaSet.canonicalV1.compute(v1.inputs, settings: v1.settings)
        let two = try #require(registry.find("canonical@9")).compute(v1.inputs, settings: v1.settings)
        #expect(one["sharpe_ratio"] != two["sharpe_ratio"])
        #expect(one["total_return"] == two["total_return"])
    }
}
