import BacktestMetrics
import Foundation
import JSON
import Projections

/// What a sweep optimises: one metric of one formula set, maximised or minimised, subject to constraints on
/// other metrics. A trial that breaks a constraint is told as `infeasible`, never dropped.
public struct SweepObjective: Sendable, Equatable {
    public var metric: String
    public var maximize: Bool
    public var formula: String
    /// `metric>value` and the like, as `--where` takes them.
    public var constraints: [String]

    /// The formula set an objective is computed under when a definition names none.
    public static let defaultFormula = FormulaRegistry.defaultName

    public init(
        metric: String, maximize: Bool = true, formula: String = FormulaRegistry.defaultName, constraints: [String] = []
    ) {
        self.metric = metric
        self.maximize = maximize
        self.formula = formula
        self.constraints = constraints
    }

    var filters: [BacktestQuery.Filter] { constraints.compactMap(BacktestQuery.Filter.init) }

    /// The constraints a set of metric values breaks (by their text), and the objective's orderable value.
    func judge(_ values: JSONValue) -> (objective: Double?, broken: [String]) {
        let broken = zip(constraints, filters).filter { !$1.accepts(StoredMetric.orderable(values[$1.metric])) }.map(
            \.0)
        return (StoredMetric.orderable(values[metric]), broken)
    }
}

/// How a sweep picks its trials. Every sampler is deterministic for a seed given the trials already told.
public enum SweepSamplerKind: String, Sendable, CaseIterable {
    /// Every point of the grid once, in an order shuffled by the seed.
    case grid
    /// Independent draws, one stream per trial number.
    case random
    /// The tree-structured Parzen estimator (Optuna's default), after `startup` random trials.
    case tpe
}

/// A parameter sweep as a user defines it (a TOML or JSON file, or flags) and as `haas.sweep.started` records
/// it: the script and its fixed settings, the period, the space, the objective, the sampler, the budget.
public struct SweepDefinition: Sendable {
    public var scriptID: String
    /// Market, account, interval, trading settings and the inputs the sweep leaves fixed.
    public var settings: ScriptSettings
    public var start: Int64
    public var end: Int64
    /// Sorted by name, so a file's order does not change the sweep.
    public private(set) var space: [SweepParameter]
    public var objective: SweepObjective
    public var sampler: SweepSamplerKind
    public var seed: UInt64
    /// Random trials before TPE models the results.
    public var startupTrials: Int
    /// Told trials to end with; nil for a grid means the whole grid.
    public var trials: Int?
    /// Seconds from the sweep's start after which no new trial is asked.
    public var timeLimit: Double?
    /// Trials in flight at once. Trial n is asked once trials 0…n−concurrency are told, so what the sampler
    /// knows at each ask does not depend on which backtest happened to finish first.
    public var concurrency: Int
    public var pollInterval: Duration
    /// Where trials run: empty for direct backtests; otherwise the labs each trial runs as one lab run on (trial
    /// n on lab n mod count, so trials in flight never share a lab).
    public var labs: [String]

    public init(
        scriptID: String, settings: ScriptSettings, start: Int64, end: Int64, space: [SweepParameter],
        objective: SweepObjective, sampler: SweepSamplerKind = .tpe, seed: UInt64 = 0, startupTrials: Int = 10,
        trials: Int? = nil, timeLimit: Double? = nil, concurrency: Int = 1, pollInterval: Duration = .seconds(2),
        labs: [String] = []
    ) {
        self.scriptID = scriptID
        self.settings = settings
        self.start = start
        self.end = end
        self.space = space.sorted { $0.name < $1.name }
        self.objective = objective
        self.sampler = sampler
        self.seed = seed
        self.startupTrials = startupTrials
        self.trials = trials
        self.timeLimit = timeLimit
        self.concurrency = concurrency
        self.pollInterval = pollInterval
        self.labs = labs
    }

    /// The number of points a grid covers (nil when a real range has no step).
    public var gridSize: Int? {
        space.reduce(Optional(1)) { size, parameter in
            guard let size, let count = parameter.gridValues?.count else { return nil }
            return size.multipliedReportingOverflow(by: count).overflow ? Int.max : size * count
        }
    }

    /// The told trials it ends with.
    var budget: Int {
        let grid = sampler == .grid ? gridSize ?? 0 : Int.max
        return min(trials ?? grid, grid)
    }

    /// Checks everything that can be checked before a sweep starts; `source` names the file or the flags.
    public func validate(source: String) throws {
        func bad(_ field: String, _ reason: String) -> LedgerError {
            .invalidFile(path: source, field: field, reason: reason)
        }
        guard !scriptID.isEmpty else { throw bad("script", "required") }
        if labs.isEmpty {
            guard !settings.market.isEmpty else { throw bad("market", "required") }
            guard !settings.accountID.isEmpty else { throw bad("account", "required") }
        } else {
            if let empty = labs.firstIndex(where: \.isEmpty) { throw bad("labs[\(empty)]", "an empty lab id") }
            if Set(labs).count < labs.count { throw bad("labs", "a lab is named twice") }
            guard concurrency <= labs.count else {
                throw bad(
                    "budget.concurrency",
                    "\(concurrency) trials in flight need as many labs (\(labs.count) given): each lab runs one trial at a time"
                )
            }
        }
        guard start < end else { throw bad("from/to", "the period must end after it starts") }
        try settings.validate()
        guard !space.isEmpty else { throw bad("parameters", "name at least one input to search") }
        for parameter in space where settings.parameters.contains(where: { $0.key == parameter.name }) {
            throw bad("parameters.\(parameter.name)", "is also given as a fixed input")
        }
        guard let formula = FormulaRegistry.builtIn.find(objective.formula) else {
            let known = FormulaRegistry.builtIn.sets.map(\.name).joined(separator: ", ")
            throw bad("objective.formula", "unknown formula \(objective.formula) (known: \(known))")
        }
        let metrics = formula.metricNames
        func check(_ metric: String, _ field: String) throws {
            guard metrics.contains(metric) else {
                let hint = DebugResult.nearest(to: metric, in: Set(metrics)).map { "; did you mean '\($0)'?" } ?? ""
                throw bad(field, "\(objective.formula) has no metric '\(metric)'\(hint)")
            }
        }
        try check(objective.metric, "objective.metric")
        for constraint in objective.constraints {
            guard let filter = BacktestQuery.Filter(constraint) else {
                throw bad("objective.constraints", "'\(constraint)' is not METRIC>VALUE (>, >=, <, <=, =, !=)")
            }
            try check(filter.metric, "objective.constraints")
        }
        if sampler == .grid {
            if let real = space.first(where: { $0.gridValues == nil }) {
                throw bad("parameters.\(real.name)", "a grid needs a step for every real range")
            }
            if (gridSize ?? 0) > 1_000_000 { throw bad("parameters", "the grid has over a million points") }
        } else if trials == nil {
            throw bad("budget.trials", "required for the \(sampler.rawValue) sampler")
        }
        if let trials, trials < 1 { throw bad("budget.trials", "must be at least 1") }
        if let timeLimit, !(timeLimit > 0) { throw bad("budget.time_limit", "must be above 0 seconds") }
        guard (1...64).contains(concurrency) else { throw bad("budget.concurrency", "must be 1 to 64") }
        guard startupTrials >= 1 else { throw bad("sampler.startup_trials", "must be at least 1") }
    }
}
