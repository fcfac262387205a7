import BacktestMetrics
import EventLogTesting
import Testing

/// Invariants over many generated inputs (a fixed seed, so a failure can be replayed).
@Suite struct PropertyTests {
    static func randomInputs(_ random: inout SeededRandom) -> MetricInputs {
        let tradeCount = Int(random.next() % 12)
        var equity = [1_000.0]
        var trades: [Trade] = []
        for index in 0..<tradeCount {
            // Some exact zeros and some all-positive or all-negative runs.
            let mode = random.next() % 5
            let pnl = mode == 0 ? 0 : (random.unit() - (mode == 1 ? 0 : mode == 2 ? 1 : 0.5)) * 200
            let fees = random.unit() * 3
            trades.append(
                Trade(
                    side: random.next() % 2 == 0 ? .long : .short, size: 1 + random.unit(),
                    entryTime: Double(index) * 86_400,
                    exitTime: Double(index) * 86_400 + 3_600, entryPrice: 100, exitPrice: 100, fees: fees, netPnL: pnl))
            equity.append(max(1, equity.last! + pnl))
        }
        if equity.count < 3 { equity += [equity.last!, equity.last! * (1 + random.unit() / 100)] }
        return MetricInputs(equity: equity, trades: trades, startTime: 0, endTime: Double(equity.count - 1) * 86_400)
    }

    @Test func invariantsHoldOnGeneratedInputs() {
        var random = SeededRandom(seed: 20_261_121)
        for _ in 0..<2_000 {
            let inputs = Self.randomInputs(&random)
            let values = FormulaSet.canonicalV1.compute(inputs, settings: MetricSettings(periodsPerYear: 365))
            if case .value(let drawdown)? = values["max_drawdown"] {
                #expect((0...1).contains(-drawdown), "drawdown magnitude \(-drawdown)")
            } else {
                Issue.record("max_drawdown is not a number for positive equity")
            }
            switch values["win_rate"] {
            case .value(let rate)?: #expect((0...1).contains(rate))
            case .undefined?: #expect(inputs.trades.isEmpty)
            default: Issue.record("win rate is infinite")
            }
            let losses = inputs.trades.filter { $0.netPnL < 0 }
            let profit = inputs.trades.filter { $0.netPnL > 0 }.reduce(0) { $0 + $1.netPnL }
            #expect((values["profit_factor"] == .plusInfinity) == (losses.isEmpty && profit > 0))
            #expect(values["profit_factor"] != .minusInfinity)
            #expect(values["exposure"].map { $0 == .undefined || (0...1).contains($0.double) } == true)
        }
    }
}
