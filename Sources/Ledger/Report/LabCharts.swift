/// What a lab's part of the report draws of every one of its backtests, gathered one backtest at a time in two
/// passes, so that a lab of any size is held as a few numbers per chart: the first pass counts, keeps the best
/// `top` by total return, each chart's ranges and Pareto front, and the points themselves only while there are
/// few enough to draw one by one; the second bins the values into the ranges the first found.
struct LabCharts {
    /// Above this many points a scatter is drawn as a density (the front and the table stay exact).
    static let densityThreshold = 600

    /// Points of one scatter: finite pairs only, with the backtest they belong to.
    struct Scatter {
        private(set) var count = 0
        private(set) var x = ValueRange()
        private(set) var y = ValueRange()
        /// Every point while there are at most `densityThreshold`; empty above.
        private(set) var points: [ChartPoint] = []
        private(set) var front = ParetoFront()
        let keepsFront: Bool
        /// Counts per density cell, filled by the second pass once the ranges are known.
        var density = DensityGrid()

        init(keepsFront: Bool) { self.keepsFront = keepsFront }

        mutating func add(_ point: ChartPoint) {
            count += 1
            x.add(point.x)
            y.add(point.y)
            if count <= LabCharts.densityThreshold { points.append(point) } else { points = [] }
            if keepsFront { front.add(point) }
        }

        var drawnAsDensity: Bool { count > LabCharts.densityThreshold }
    }

    private(set) var count = 0
    /// The best backtests by total return (`ChartedBacktest.ranksBefore`), at most `keep`, best first once
    /// `finish` ran.
    private(set) var top: [ChartedBacktest] = []
    private let keep: Int
    private(set) var returns = ValueRange()
    var returnBins: HistogramBins?
    private(set) var drawdownReturn = Scatter(keepsFront: true)
    private(set) var winRateFactor = Scatter(keepsFront: false)
    /// Backtests with no losing trade: profit factor +inf, which no chart can place.
    private(set) var infiniteProfitFactor = 0

    init(keep: Int) { self.keep = max(keep, 0) }

    /// The first pass, for one backtest.
    mutating func add(_ backtest: ChartedBacktest) {
        count += 1
        if keep > 0 {
            top.append(backtest)
            if top.count >= 2 * keep + 64 { trimTop() }
        }
        if let value = backtest.totalReturn.finite { returns.add(value) }
        if let drawdown = backtest.maxDrawdown.finite, let total = backtest.totalReturn.finite {
            drawdownReturn.add(
                ChartPoint(x: drawdown, y: total, id: backtest.backtestID, totalReturn: backtest.totalReturn))
        }
        if let rate = backtest.winRate.finite, let factor = backtest.profitFactor.finite {
            winRateFactor.add(
                ChartPoint(x: rate, y: factor, id: backtest.backtestID, totalReturn: backtest.totalReturn))
        }
        if backtest.profitFactor == .infinity { infiniteProfitFactor += 1 }
    }

    /// Ends the first pass: the top rows in order, and the bins the second pass fills.
    mutating func finish() {
        trimTop()
        returnBins = HistogramBins(count: returns.count, range: returns)
        drawdownReturn.density = DensityGrid(ReportLabSection.drawdownReturnAxes(drawdownReturn))
        winRateFactor.density = DensityGrid(ReportLabSection.winRateFactorAxes(winRateFactor))
    }

    /// The second pass, for the same backtest again: only what is binned.
    mutating func bin(_ backtest: ChartedBacktest) {
        if let value = backtest.totalReturn.finite { returnBins?.add(value) }
        if drawdownReturn.drawnAsDensity, let drawdown = backtest.maxDrawdown.finite,
            let total = backtest.totalReturn.finite
        {
            drawdownReturn.density.add(x: drawdown, y: total)
        }
        if winRateFactor.drawnAsDensity, let rate = backtest.winRate.finite, let factor = backtest.profitFactor.finite {
            winRateFactor.density.add(x: rate, y: factor)
        }
    }

    private mutating func trimTop() {
        top.sort(by: ChartedBacktest.ranksBefore)
        if top.count > keep { top.removeLast(top.count - keep) }
    }
}

/// A point of a scatter and the backtest it stands for.
struct ChartPoint: Equatable {
    let x: Double
    let y: Double
    let id: String
    /// What orders the points drawn one by one, as the lab's table is ordered.
    let totalReturn: Double?
}

extension ChartedBacktest {
    /// Best total return first: ±inf as numbers, undefined last, ties by id.
    static func ranksBefore(_ left: ChartedBacktest, _ right: ChartedBacktest) -> Bool {
        ranksBefore((left.totalReturn, left.backtestID), (right.totalReturn, right.backtestID))
    }

    static func ranksBefore(_ left: (Double?, String), _ right: (Double?, String)) -> Bool {
        switch (left.0, right.0) {
        case let (a?, b?) where a != b: return a > b
        case (.some, nil): return true
        case (nil, .some): return false
        default: return left.1 < right.1
        }
    }
}

/// The smallest and largest of some finite numbers, and how many there were.
struct ValueRange {
    private(set) var count = 0
    private(set) var lowest = Double.infinity
    private(set) var highest = -Double.infinity

    mutating func add(_ value: Double) {
        count += 1
        lowest = min(lowest, value)
        highest = max(highest, value)
    }

    /// The two ends, as the values a chart's axis covers (none when empty).
    var ends: [Double] { count == 0 ? [] : [lowest, highest] }
}

/// The points no other point beats on both coordinates (higher is better on each), kept as points arrive: a
/// point is dropped when one already kept is at least as good on both (so of equal points the first stays), and
/// it drops the kept points it is at least as good as.
struct ParetoFront {
    private(set) var points: [ChartPoint] = []

    mutating func add(_ point: ChartPoint) {
        if points.contains(where: { $0.x >= point.x && $0.y >= point.y }) { return }
        points.removeAll { point.x >= $0.x && point.y >= $0.y }
        points.append(point)
    }

    /// The front from the best x to the worst, as its line is drawn.
    var ordered: [ChartPoint] { points.sorted { $0.x > $1.x } }
}

/// A histogram's bins: about √n of them (5 to 40) over the values' range, counted as values arrive.
struct HistogramBins {
    let lowest: Double
    let width: Double
    private(set) var counts: [Int]

    /// Bins for `count` values within `range`.
    init(count: Int, range: ValueRange) {
        let bins = max(5, min(40, Int(Double(count).squareRoot().rounded(.up))))
        lowest = range.count == 0 ? 0 : range.lowest
        let highest = range.count == 0 ? 1 : range.highest
        width = highest > lowest ? (highest - lowest) / Double(bins) : 1
        counts = Array(repeating: 0, count: bins)
    }

    /// Where the last bin ends.
    var upper: Double { lowest + width * Double(counts.count) }

    mutating func add(_ value: Double) {
        counts[min(counts.count - 1, max(0, Int((value - lowest) / width)))] += 1
    }
}

extension Optional<Double> {
    /// The value when it is a finite number (a chart cannot place ±inf).
    var finite: Double? { flatMap { $0.isFinite ? $0 : nil } }
}
