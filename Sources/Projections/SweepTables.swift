import EventLog
import JSON
import LedgerEvents
import SQLiteKit

/// The `sweeps` and `sweep_trials` read models, from `haas.sweep.*`. Both are versioned, so a sweep and its
/// trials read as of any position; a trial's metrics are its backtest's.
final class SweepTables {
    let sweeps: VersionedTable
    let trials: VersionedTable

    static let types: [EventType] = [.sweepStarted, .sweepTrialAsked, .sweepTrialTold, .sweepFinished]

    init(_ db: SQLiteConnection) throws {
        sweeps = try VersionedTable(
            db, name: "sweeps", keys: ["sweep_id"],
            values: [
                "script_id", "market", "objective", "direction", "formula", "sampler", "seed", "budget", "definition",
                "started_at", "state", "told", "best_trial", "best_objective", "stop_reason",
            ])
        trials = try VersionedTable(
            db, name: "sweep_trials", keys: ["sweep_id", "trial"],
            values: ["backtest_id", "parameters", "method", "informed_by", "state", "objective", "broken", "reason"])
    }

    /// Applies a sweep event; false for any other type.
    func apply(_ event: RecordedEvent) throws -> Bool {
        guard Self.types.contains(where: { $0.name == event.type }) else { return false }
        let json = try event.currentPayload()
        guard let sweep = json["sweep_id"]?.stringValue else { return true }
        let key: [SQLiteValue] = [.text(sweep)]
        let position = event.position
        switch event.type {
        case EventType.sweepStarted.name:
            let definition = json["definition"] ?? .null
            let objective = definition["objective"] ?? .null
            let sampler = definition["sampler"] ?? .null
            try sweeps.merge(
                key: key,
                changes: [
                    "script_id": .init(definition["script"] ?? .null), "market": .init(definition["market"] ?? .null),
                    "objective": .init(objective["metric"] ?? .null),
                    "direction": .init(objective["direction"] ?? .null),
                    "formula": .init(objective["formula"] ?? .null), "sampler": .init(sampler["kind"] ?? .null),
                    "seed": .init(sampler["seed"] ?? .null), "budget": .init(json["budget"] ?? .null),
                    "definition": .text(CanonicalJSON.string(definition)), "started_at": .integer(event.recordedAt),
                    "state": .text("running"), "told": .integer(0),
                ],
                position: position)
        case EventType.sweepTrialAsked.name:
            guard let trial = json["trial"] else { return true }
            try trials.merge(
                key: key + [.init(trial)],
                changes: [
                    "backtest_id": .init(json["backtest_id"] ?? .null),
                    "parameters": .init(json["parameters"] ?? .null),
                    "method": .init(json["method"] ?? .null), "informed_by": .init(json["informed_by"] ?? .null),
                    "state": .text("asked"),
                ],
                position: position)
        case EventType.sweepTrialTold.name:
            guard let trial = json["trial"] else { return true }
            var changes: [String: SQLiteValue] = [
                "state": .init(json["state"] ?? .null), "objective": .init(json["objective"] ?? .null),
                "broken": .init(json["broken"] ?? .null), "reason": .init(json["reason"] ?? .null),
            ]
            // A trial run on a lab has its backtest named only once it ran.
            if let backtest = json["backtest_id"], backtest != .null { changes["backtest_id"] = .init(backtest) }
            try trials.merge(key: key + [.init(trial)], changes: changes, position: position)
            try sweeps.merge(key: key, changes: ["told": .init(json["told"] ?? .null)], position: position)
        default:
            let reason = json["reason"]?.stringValue
            try sweeps.merge(
                key: key,
                changes: [
                    "state": .text(reason == "cancelled" ? "cancelled" : "finished"),
                    "stop_reason": .init(json["reason"] ?? .null),
                    "best_trial": .init(json["best_trial"] ?? .null),
                    "best_objective": .init(json["best_objective"] ?? .null),
                    "told": .init(json["told"] ?? .null),
                ],
                position: position)
        }
        return true
    }
}
