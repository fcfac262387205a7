/// Time in market, by either measure of `ExposureMeasure`.
enum Exposure {
    static func measure(_ measure: ExposureMeasure, _ inputs: MetricInputs) -> MetricValue {
        switch measure {
        case .heldTimeOverSpan:
            let span = inputs.endTime - inputs.startTime
            guard span > 0 else { return .undefined }
            return MetricValue(heldTime(inputs.trades, from: inputs.startTime, to: inputs.endTime) / span)
        case .barsHeldOverBars:
            let bars = inputs.bars
            guard bars.count > 1 else { return .undefined }
            return .value(Double(barsHeld(inputs.trades, bars: bars)) / Double(bars.count - 1))
        }
    }

    /// The trades' holding intervals `[entry, exit)`, merged where they overlap, in time order.
    static func holdings(_ trades: [Trade]) -> [(start: Double, end: Double)] {
        var merged: [(start: Double, end: Double)] = []
        for trade in trades.filter({ $0.entryTime < $0.exitTime }).sorted(by: { $0.entryTime < $1.entryTime }) {
            if let last = merged.last, trade.entryTime <= last.end {
                merged[merged.count - 1].end = max(last.end, trade.exitTime)
            } else {
                merged.append((trade.entryTime, trade.exitTime))
            }
        }
        return merged
    }

    /// Length of the union of the holding intervals inside `[start, end]`.
    static func heldTime(_ trades: [Trade], from start: Double, to end: Double) -> Double {
        holdings(trades).reduce(0) { total, holding in
            total + max(0, min(end, holding.end) - max(start, holding.start))
        }
    }

    /// How many of the N periods `[t_k, t_k+1)` begin with a position held, i.e. how many bars `k < N` end
    /// inside a holding (`entry ≤ t_k < exit`): backtrader's bars in the market.
    static func barsHeld(_ trades: [Trade], bars: [Double]) -> Int {
        let holdings = holdings(trades)
        var next = 0
        var held = 0
        for time in bars.dropLast() {
            while next < holdings.count, holdings[next].end <= time { next += 1 }
            if next < holdings.count, holdings[next].start <= time { held += 1 }
        }
        return held
    }
}
