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
    /// How time in market is measured.
    public var exposure: ExposureMeasure

    public init(
        ddof: Int = 1, riskFreeConversion: String = "geometric", sampling: String = "1d UTC, regular grid",
        drawdownAnchor: String = "E0", periodsPerYear: String = "365 × 86400 / bar seconds",
        exposure: ExposureMeasure = .heldTimeOverSpan
    ) {
        self.ddof = ddof
        self.riskFreeConversion = riskFreeConversion
        self.sampling = sampling
        self.drawdownAnchor = drawdownAnchor
        self.periodsPerYear = periodsPerYear
        self.exposure = exposure
    }

    /// The parameters as recorded in every `metrics.computed` event. `canonical@1` was published before the
    /// exposure measure was a parameter, so its measure is left out: its recorded parameters stay byte for byte
    /// what they always were.
    public var entries: [(String, String)] {
        [
            ("ddof", String(ddof)), ("rf_conversion", riskFreeConversion), ("sampling", sampling),
            ("drawdown_anchor", drawdownAnchor), ("periods_per_year", periodsPerYear),
        ] + (exposure == .heldTimeOverSpan ? [] : [("exposure", exposure.rawValue)])
    }
}

/// Time in market: either the held time over the curve's span (`canonical@1`), or the share of the input's
/// own bars that end with a position (backtrader's `len.total / N`, reference/metrics.md §2.12), which does
/// not count the weekends a business-day series has no bars for.
public enum ExposureMeasure: String, Sendable, Equatable {
    case heldTimeOverSpan = "held time ÷ span"
    case barsHeldOverBars = "bars held ÷ bars, on the input's own grid"
}

/// A versioned set of metric formulas. Published versions are never edited: a change is a new version.
public struct FormulaSet: Sendable {
    public let id: String
    public let version: Int
    public let parameters: FormulaParameters
    /// Which library each metric matches exactly (reference/metrics.md §0).
    public let matches: [(metric: String, library: String)]
    public let summary: String
    /// What differs from the previous version of the same id, metric by metric, and why.
    public let changes: [(metric: String, why: String)]

    public init(
        id: String, version: Int, parameters: FormulaParameters, summary: String,
        matches: [(metric: String, library: String)], changes: [(metric: String, why: String)] = []
    ) {
        self.id = id
        self.version = version
        self.parameters = parameters
        self.summary = summary
        self.matches = matches
        self.changes = changes
    }

    /// `id@version`, e.g. `canonical@1`.
    public var name: String { "\(id)@\(version)" }

    /// The names of the metrics this set computes, in its order (what an objective or a constraint may name).
    public var metricNames: [String] {
        let inputs = MetricInputs(equity: [1, 1], trades: [], startTime: 0, endTime: 86_400)
        return compute(inputs, settings: MetricSettings(periodsPerYear: 365)).entries.map(\.name)
    }

    public func compute(_ inputs: MetricInputs, settings: MetricSettings) -> MetricValues {
        CanonicalFormulas(parameters: parameters, settings: settings).compute(inputs)
    }
}

/// The formula sets this build knows. Adding a version is adding an entry; editing one is forbidden
/// (a test pins `canonical@1`'s outputs).
public struct FormulaRegistry: Sendable {
    public private(set) var sets: [FormulaSet]

    public init(_ sets: [FormulaSet]) { self.sets = sets }

    public static let builtIn = FormulaRegistry([.canonicalV1, .canonicalV2])
    /// The formula a new ledger records under when no one chose another.
    public static let defaultSet = FormulaSet.canonicalV2
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
