import JSON
import SQLiteKit

/// A sweep as of a position.
public struct SweepRow: Sendable, Equatable {
    public let sweepID: String
    public let scriptID: String?
    public let market: String?
    public let objective: String?
    public let direction: String?
    public let formula: String?
    public let sampler: String?
    public let seed: Int64?
    public let budget: Int64?
    /// The definition as `haas.sweep.started` recorded it (canonical JSON).
    public let definition: String?
    public let startedAt: Int64?
    public let state: String?
    public let told: Int64?
    public let bestTrial: Int64?
    public let bestObjective: SQLiteValue
    public let stopReason: String?
    public let validFrom: Int64
}

/// One trial of a sweep as of a position.
public struct TrialRow: Sendable, Equatable {
    public let sweepID: String
    public let trial: Int64
    public let backtestID: String?
    /// Input name → value, canonical JSON.
    public let parameters: String?
    public let method: String?
    public let informedBy: Int64?
    /// asked, complete, infeasible, failed or cancelled.
    public let state: String?
    /// As the sweep judged it under its own formula: a number, `+inf`/`-inf`, or null.
    public let objective: SQLiteValue
    /// The constraints it broke, as a JSON array.
    public let broken: String?
    public let reason: String?
    public let validFrom: Int64
}

extension ReadModelConnection {
    /// Every sweep (or one), as of `asOf` (nil: now), by start.
    public func sweeps(_ sweepID: String? = nil, asOf: UInt64? = nil) throws -> [SweepRow] {
        var sql = """
            SELECT sweep_id, script_id, market, objective, direction, formula, sampler, seed, budget, definition,
                started_at, state, told, best_trial, best_objective, stop_reason, valid_from
            FROM sweeps WHERE \(ReadModels.validAt)
            """
        var parameters = [ReadModels.asOfParameter(asOf)]
        if let sweepID {
            sql += " AND sweep_id = ?2"
            parameters.append(.text(sweepID))
        }
        return try rows(sql + " ORDER BY started_at, sweep_id", parameters).map { row in
            SweepRow(
                sweepID: row[0].textValue ?? "", scriptID: row[1].textValue, market: row[2].textValue,
                objective: row[3].textValue,
                direction: row[4].textValue, formula: row[5].textValue, sampler: row[6].textValue,
                seed: row[7].integerValue,
                budget: row[8].integerValue, definition: row[9].textValue, startedAt: row[10].integerValue,
                state: row[11].textValue,
                told: row[12].integerValue, bestTrial: row[13].integerValue, bestObjective: row[14],
                stopReason: row[15].textValue,
                validFrom: row[16].integerValue ?? 0)
        }
    }

    /// A sweep's trials as of `asOf`, by number.
    public func trials(sweep sweepID: String, asOf: UInt64? = nil) throws -> [TrialRow] {
        try rows(
            """
            SELECT sweep_id, trial, backtest_id, parameters, method, informed_by, state, objective, broken, reason,
                valid_from
            FROM sweep_trials WHERE \(ReadModels.validAt) AND sweep_id = ?2 ORDER BY trial
            """,
            [ReadModels.asOfParameter(asOf), .text(sweepID)]
        ).map { row in
            TrialRow(
                sweepID: row[0].textValue ?? "", trial: row[1].integerValue ?? 0, backtestID: row[2].textValue,
                parameters: row[3].textValue,
                method: row[4].textValue, informedBy: row[5].integerValue, state: row[6].textValue, objective: row[7],
                broken: row[8].textValue, reason: row[9].textValue, validFrom: row[10].integerValue ?? 0)
        }
    }

    /// The best complete trial of a sweep so far, as of `asOf`: what `haas.sweep.finished` will record if the
    /// sweep ends there. A running sweep has recorded none yet.
    public func bestTrialSoFar(sweep sweepID: String, maximize: Bool, asOf: UInt64? = nil) throws -> TrialRow? {
        MetricOrder.best(
            try trials(sweep: sweepID, asOf: asOf).filter { $0.state == "complete" }, maximize: maximize,
            value: { MetricOrder.orderable(number: $0.objective.realValue, text: $0.objective.textValue ?? "") },
            number: \.trial)
    }
}
