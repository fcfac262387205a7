import Foundation
import JSON
import Projections
import SQLiteKit

/// A sweep's trials judged under one formula set: the recorded verdicts under the sweep's own formula, or the
/// same trials re-judged (objective and constraints) under another, without running anything.
public struct SweepStanding: Sendable {
    public let sweep: SweepRow
    public let formula: String
    /// Best first: complete trials by objective, then infeasible ones, then the rest by number.
    public let trials: [(trial: TrialRow, state: String, objective: Double?, metrics: BacktestRow?)]
    /// Each parameter's share of the objective's variance over complete trials (correlation ratio η², binned),
    /// normalised to sum to 1.
    public let importance: [(parameter: String, share: Double)]
}

enum SweepReads {
    static func unknown(_ sweepID: String) -> LedgerError {
        .invalidArgument(flag: "SWEEP", reason: "no sweep \(sweepID) in this ledger (see `haasledger sweep list`)")
    }
}

extension ReadModelService {
    /// `sweep list`: every sweep as of a moment.
    public func sweeps(at moment: Moment) throws -> ResultTable {
        let source = try read()
        let position = try Self.position(moment, source.events)
        let rows = try source.models.sweeps(asOf: position)
        // A running sweep records its best only when it ends; until then, the best of its trials told so far.
        let best = try rows.map { row -> (trial: Int64?, objective: SQLiteValue) in
            guard row.state == "running", row.bestTrial == nil else { return (row.bestTrial, row.bestObjective) }
            let found = try source.models.bestTrialSoFar(
                sweep: row.sweepID, maximize: row.direction != "minimize", asOf: position)
            return (found?.trial, found?.objective ?? .null)
        }
        return ResultTable(
            columns: [
                "sweep_id", "state", "sampler", "objective", "told", "budget", "best_trial", "best_objective",
                "stop_reason", "script_id", "market", "started_at",
            ],
            rows: zip(rows, best).map { row, best in
                [
                    .text(row.sweepID), .init(row.state), .init(row.sampler),
                    .init(row.objective.map { "\(row.direction == "minimize" ? "min" : "max") \($0)" }),
                    row.told.map(ResultTable.Cell.integer) ?? .null, row.budget.map(ResultTable.Cell.integer) ?? .null,
                    best.trial.map(ResultTable.Cell.integer) ?? .null, ResultTable.Cell(stored: best.objective),
                    .init(row.stopReason), .init(row.scriptID), .init(row.market),
                    row.startedAt.map(ResultTable.Cell.integer) ?? .null,
                ]
            }, displays: ["started_at": .microseconds])
    }

    /// A sweep's trials under `formula` (nil: the sweep's own), as of a moment.
    public func sweepStanding(_ sweepID: String, formula asked: String?, at moment: Moment) throws -> SweepStanding {
        try sweepStanding(sweepID, formula: asked, checking: [], at: moment)
    }

    /// `sweepStanding`, refusing metric names (`--sort`, `--where`) no event recorded.
    func sweepStanding(
        _ sweepID: String, formula asked: String?, checking metrics: [(flag: String, name: String)], at moment: Moment
    ) throws -> SweepStanding {
        let source = try read(formulas: asked.map { [("--formula", $0)] } ?? [], metrics: metrics)
        let position = try Self.position(moment, source.events)
        guard let sweep = try source.models.sweeps(sweepID, asOf: position).first,
            let definition = try sweep.definition.map({
                try SweepDefinition(json: JSONParser.parse($0), source: "sweep \(sweepID)")
            })
        else { throw SweepReads.unknown(sweepID) }
        let formula = asked ?? definition.objective.formula
        var query = BacktestQuery(formula: formula, asOf: position)
        query.sweep = sweepID
        let backtests = Dictionary(
            try source.models.backtests(query).map { ($0.backtestID, $0) }, uniquingKeysWith: { first, _ in first })
        let objective = definition.objective
        let filters = objective.filters
        let judged = try source.models.trials(sweep: sweepID, asOf: position).map { trial in
            let metrics = trial.backtestID.flatMap { backtests[$0] }
            guard ["complete", "infeasible", "failed"].contains(trial.state ?? ""), let metrics,
                !metrics.metrics.isEmpty
            else { return (trial, trial.state ?? "asked", Optional<Double>.none, metrics) }
            // Judged afresh from the metrics of this formula, as the sweep judged them under its own.
            let value = metrics.orderable(objective.metric)
            let feasible = filters.allSatisfy { $0.accepts(metrics.orderable($0.metric)) }
            let state = value == nil ? "failed" : feasible ? "complete" : "infeasible"
            return (trial, state, value, metrics)
        }
        let rank = ["complete": 0, "infeasible": 1]
        let ordered = judged.sorted { left, right in
            let (a, b) = (rank[left.1] ?? 2, rank[right.1] ?? 2)
            if a != b { return a < b }
            if a < 2, let x = left.2, let y = right.2, x != y { return objective.maximize ? x > y : x < y }
            return left.0.trial < right.0.trial
        }
        let complete = ordered.filter { $0.1 == "complete" }.compactMap { item -> (JSONValue, Double)? in
            guard let value = item.2, value.isFinite, let parameters = item.0.parameters,
                let json = try? JSONParser.parse(parameters)
            else { return nil }
            return (json, value)
        }
        return SweepStanding(
            sweep: sweep, formula: formula, trials: ordered,
            importance: SweepImportance.shares(definition.space, complete))
    }
}

extension ReadModelService {
    /// `query trials --sweep ID`: the trials under a formula, filtered by `--where` on their metrics and sorted
    /// by one (default: best first, as `sweep show`).
    public func trials(
        sweep sweepID: String, formula: String?, conditions: [String], sort: String?, ascending: Bool, limit: Int?,
        at moment: Moment
    ) throws -> ResultTable {
        let filters = try conditions.map { condition in
            guard let filter = BacktestQuery.Filter(condition) else {
                throw LedgerError.invalidArgument(flag: "--where", reason: Self.conditionProblem(condition) ?? "")
            }
            return filter
        }
        let standing = try sweepStanding(
            sweepID, formula: formula,
            checking: (sort.map { [("--sort", $0)] } ?? []) + filters.map { ("--where", $0.metric) }, at: moment)
        var items = standing.trials.filter { item in
            filters.allSatisfy { $0.accepts(item.metrics?.orderable($0.metric)) }
        }
        if let sort {
            // As `query backtests`: numbers and infinities as numbers, undefined last in both directions.
            items.sort { left, right in
                switch (left.metrics?.orderable(sort), right.metrics?.orderable(sort)) {
                case let (a?, b?) where a != b: return ascending ? a < b : a > b
                case (.some, nil): return true
                case (nil, .some): return false
                default: return left.trial.trial < right.trial.trial
                }
            }
        }
        if let limit { items = Array(items.prefix(limit)) }
        return SweepPresentation.trialsTable(
            SweepStanding(sweep: standing.sweep, formula: standing.formula, trials: items, importance: []))
    }
}

/// How much of the objective's spread each parameter explains alone: η² = between-group / total sum of
/// squares, the parameter's values grouped into at most ten bins.
enum SweepImportance {
    static func shares(_ space: [SweepParameter], _ trials: [(parameters: JSONValue, objective: Double)])
        -> [(parameter: String, share: Double)]
    {
        guard trials.count >= 2 else { return [] }
        let mean = trials.map(\.objective).reduce(0, +) / Double(trials.count)
        let total = trials.reduce(0) { $0 + pow($1.objective - mean, 2) }
        guard total > 0 else { return [] }
        let etas = space.map { parameter -> (String, Double) in
            var groups: [String: [Double]] = [:]
            let numbers = trials.compactMap { $0.parameters[parameter.name]?.numberValue?.doubleValue }
            let (low, high) = (numbers.min() ?? 0, numbers.max() ?? 0)
            let distinct = Set(trials.compactMap { $0.parameters[parameter.name].map(CanonicalJSON.string) })
            for trial in trials {
                guard let value = trial.parameters[parameter.name] else { continue }
                var key = CanonicalJSON.string(value)
                if distinct.count > 10, let number = value.numberValue?.doubleValue, high > low {
                    key = String(min(9, Int((number - low) / (high - low) * 10)))
                }
                groups[key, default: []].append(trial.objective)
            }
            let between = groups.values.reduce(0) { sum, group in
                let groupMean = group.reduce(0, +) / Double(group.count)
                return sum + Double(group.count) * pow(groupMean - mean, 2)
            }
            return (parameter.name, between / total)
        }
        let sum = etas.reduce(0) { $0 + $1.1 }
        guard sum > 0 else { return [] }
        return etas.map { ($0.0, $0.1 / sum) }.sorted { $0.1 > $1.1 }
    }
}

extension ResultTable.Cell {
    /// A stored metric value (a number, or `+inf`/`-inf` as text) as a cell.
    init(stored value: SQLiteValue) {
        switch value {
        case .integer(let number): self = .integer(number)
        case .real(let number): self = .number(number)
        case .text(let text): self = .nonNumber(text)
        default: self = .null
        }
    }
}
