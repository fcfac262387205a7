/// A closed round trip. PnL is net of both fills' fees; a trade with `netPnL == 0` is break-even.
public struct Trade: Sendable, Equatable {
    public enum Side: Sendable, Equatable { case long, short }

    public var side: Side
    public var size: Double
    /// Seconds since the epoch.
    public var entryTime: Double
    public var exitTime: Double
    public var entryPrice: Double
    public var exitPrice: Double
    public var fees: Double
    public var netPnL: Double
    /// The trade's return on what it put at stake; defaults to `netPnL / (size × entryPrice)`.
    public var returnOnEntry: Double?

    public init(
        side: Side, size: Double, entryTime: Double, exitTime: Double, entryPrice: Double, exitPrice: Double,
        fees: Double, netPnL: Double, returnOnEntry: Double? = nil
    ) {
        self.side = side
        self.size = size
        self.entryTime = entryTime
        self.exitTime = exitTime
        self.entryPrice = entryPrice
        self.exitPrice = exitPrice
        self.fees = fees
        self.netPnL = netPnL
        self.returnOnEntry = returnOnEntry
    }

    public var grossPnL: Double { netPnL + fees }
    var entryReturn: Double { returnOnEntry ?? netPnL / (size * entryPrice) }
}

/// What a formula set computes from: an equity curve on a regular grid (E₀ first, before any fill), optionally
/// the returns series itself, the closed trades, and the time span the curve covers.
public struct MetricInputs: Sendable, Equatable {
    public var equity: [Double]
    /// When given, return statistics use these instead of returns derived from `equity` (a returns-only source
    /// keeps its exact values).
    public var returns: [Double]?
    public var trades: [Trade]
    /// Seconds since the epoch of the first and last equity point, for exposure.
    public var startTime: Double
    public var endTime: Double
    /// Seconds since the epoch of each bar (one per equity point), for exposure on the input's own grid. When
    /// nil, the equity points are taken as evenly spaced from `startTime` to `endTime`.
    public var barTimes: [Double]?

    public init(
        equity: [Double], returns: [Double]? = nil, trades: [Trade], startTime: Double, endTime: Double,
        barTimes: [Double]? = nil
    ) {
        self.equity = equity
        self.returns = returns
        self.trades = trades
        self.startTime = startTime
        self.endTime = endTime
        self.barTimes = barTimes
    }

    /// The bar times: the given ones, or an even grid of one bar per equity point.
    var bars: [Double] {
        if let barTimes { return barTimes }
        guard equity.count > 1 else { return equity.isEmpty ? [] : [startTime] }
        let step = (endTime - startTime) / Double(equity.count - 1)
        return (0..<equity.count).map { startTime + Double($0) * step }
    }
}

/// Settings that belong to the data rather than the formula.
public struct MetricSettings: Sendable, Equatable {
    public var periodsPerYear: Double
    public var riskFreeAnnual: Double

    public init(periodsPerYear: Double, riskFreeAnnual: Double = 0) {
        self.periodsPerYear = periodsPerYear
        self.riskFreeAnnual = riskFreeAnnual
    }
}
