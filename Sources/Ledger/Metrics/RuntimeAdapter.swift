import BacktestMetrics
import HaasAPI

/// Turns a HaasOnline runtime into formula inputs (haas-api.md §3.3).
///
/// - Trades come from `FinishedPositions`: `rp` is net of fees, `fe` holds the fees, `ot`/`ct` are the
///   times, `d` the direction (Long 0, Short 1); size and prices from the entry and exit orders.
/// - The equity curve is sampled daily (UTC seconds, every 86,400 s) from `ActivatedSince` to the end
///   (`LastUpdateTimestamp`), realized profit only: E_k = E₀ + Σ rp of positions closed by t_k. Those sample
///   times are the input's bars, for exposure on the bar grid, whether or not there is a curve.
/// - **E₀ is the report's `RM`, the ROI margin**, so computed `total_return × 100` equals the server's `ROI`
///   (RP / RM × 100) when everything is realized. When `RM` is missing or not positive there is no capital
///   to measure returns against: the equity curve is left empty and every equity-based metric is
///   `undefined`, while the trade metrics are still computed.
/// - Unrealized profit (`UP`, open positions) is not in the curve; it is reported separately.
public enum RuntimeAdapter {
    public static let secondsPerDay = 86_400.0

    public struct Adapted: Sendable {
        public let inputs: MetricInputs
        public let settings: MetricSettings
        /// E₀ (the ROI margin), nil when there is none.
        public let capital: Double?
        public let unrealizedProfits: Double?
    }

    public static func adapt(_ runtime: BacktestRuntime) -> Adapted {
        let closed = runtime.finishedPositions.filter { $0.closedAt != nil && $0.openedAt != nil }
        let trades = closed.map(trade)
        let profits = runtime.primaryReport?.profits
        let lastClose = closed.compactMap(\.closedAt).max()
        let start = Double(runtime.activatedSince ?? closed.compactMap(\.openedAt).min() ?? 0)
        let end = Double(max(runtime.lastUpdateTimestamp ?? 0, lastClose ?? 0, Int64(start)))
        let periods = max(1, Int(((end - start) / secondsPerDay).rounded(.up)))
        let bars = (0...periods).map { start + Double($0) * secondsPerDay }
        var equity: [Double] = []
        let capital = profits?.roiMargin.flatMap { $0 > 0 ? $0 : nil }
        if let capital {
            // The two fields the curve needs, sorted (sorting the positions themselves copies their orders).
            let byClose = closed.map { (closedAt: $0.closedAt ?? 0, profit: $0.realizedProfit ?? 0) }
                .sorted { $0.closedAt < $1.closedAt }
            var realized = 0.0
            var next = 0
            equity.reserveCapacity(bars.count)
            for time in bars {
                while next < byClose.count, Double(byClose[next].closedAt) <= time {
                    realized += byClose[next].profit
                    next += 1
                }
                equity.append(capital + realized)
            }
        }
        return Adapted(
            inputs: MetricInputs(
                equity: equity, trades: trades, startTime: start, endTime: max(end, start), barTimes: bars),
            settings: MetricSettings(periodsPerYear: 365 * 86_400 / secondsPerDay),
            capital: capital, unrealizedProfits: profits?.unrealizedProfits)
    }

    static func trade(_ position: RuntimePosition) -> Trade {
        func weighted(_ orders: [RuntimeOrder]) -> (size: Double, price: Double) {
            let size = orders.reduce(0) { $0 + ($1.amountFilled ?? 0) }
            let value = orders.reduce(0) { $0 + ($1.amountFilled ?? 0) * ($1.executionPrice ?? 0) }
            return (size, size > 0 ? value / size : 0)
        }
        let entry = weighted(position.entryOrders)
        let exit = weighted(position.exitOrders)
        let entryPrice = entry.price > 0 ? entry.price : position.averagePrice ?? 0
        return Trade(
            side: position.direction == 1 ? .short : .long, size: entry.size, entryTime: Double(position.openedAt ?? 0),
            exitTime: Double(position.closedAt ?? 0), entryPrice: entryPrice, exitPrice: exit.price,
            fees: position.fees ?? 0, netPnL: position.realizedProfit ?? 0,
            returnOnEntry: entry.size * entryPrice > 0
                ? (position.realizedProfit ?? 0) / (entry.size * entryPrice) : nil)
    }
}
