import Foundation
import JSON
import Projections

/// What `sweep run|resume|cancel|show` and `query trials` print.
public enum SweepPresentation {
    /// A metric's value as a person reads it (a return as a percentage, others to four digits).
    static func readable(_ metric: String, _ value: JSONValue) -> String {
        readable(metric, .metric(number: value.numberValue?.doubleValue, text: value.stringValue ?? "undefined"))
    }

    static func readable(_ metric: String, _ cell: ResultTable.Cell) -> String {
        ReadableNumbers.text(cell, style: ReadableNumbers.style(ofColumn: metric))
    }

    /// `Period=23, Stop Loss=2.1` from canonical JSON.
    static func parametersText(_ json: String?) -> String {
        guard let json, case .object(let members)? = try? JSONParser.parse(json) else { return json ?? "" }
        return members.map { "\($0.key)=\(SweepParameter.text($0.value))" }.joined(separator: ", ")
    }

    /// One line for a terminal while a sweep runs.
    public static func progressLine(_ outcome: SweepOutcome) -> String {
        let best = outcome.best.map { ", best \($0.objective) (trial \($0.trial))" } ?? ""
        return
            "sweep \(outcome.sweepID.prefix(8)): \(outcome.told)/\(outcome.budget) told, \(outcome.inFlight) in flight\(best)"
    }

    /// The summary once a command returns.
    public static func lines(_ outcome: SweepOutcome, json: Bool) -> [String] {
        if json {
            return [
                CanonicalJSON.string(
                    .object([
                        ("sweep_id", .string(outcome.sweepID)), ("told", .number(outcome.told)),
                        ("budget", .number(outcome.budget)), ("in_flight", .number(outcome.inFlight)),
                        ("finished", .optional(outcome.finished)), ("objective", .string(outcome.objective)),
                        ("best_trial", .optional(outcome.best?.trial)),
                        ("best_objective", outcome.bestExact),
                        ("best_parameters", outcome.best.flatMap { try? JSONParser.parse($0.parameters) } ?? .null),
                    ]))
            ]
        }
        var lines = [
            "sweep \(outcome.sweepID): \(outcome.finished.map { "finished (\($0))" } ?? "not finished"), \(outcome.told) of \(outcome.budget) trials told"
        ]
        if let best = outcome.best {
            lines.append(
                "best: trial \(best.trial), \(outcome.objective) = \(best.objective) with \(parametersText(best.parameters))"
            )
        } else {
            lines.append("best: no trial within the constraints yet")
        }
        lines.append("details: haasledger sweep show \(outcome.sweepID)")
        return lines
    }

    /// The trials as a table: number, verdict, objective, parameters, then every metric of the formula.
    public static func trialsTable(_ standing: SweepStanding) -> ResultTable {
        let metricNames = Array(Set(standing.trials.flatMap { $0.metrics?.metrics.map(\.name) ?? [] })).sorted()
        let objective = standing.sweep.objective ?? "objective"
        return ResultTable(
            columns: ["trial", "state", objective, "parameters", "broken", "method", "backtest_id"]
                + metricNames.filter { $0 != objective },
            rows: standing.trials.map { item in
                let value = item.metrics?.metric(objective)
                return [
                    .integer(item.trial.trial), .text(item.state),
                    value.map { .metric(number: $0.number, text: $0.text) } ?? .null, .init(item.trial.parameters),
                    .init(item.trial.broken == "[]" ? nil : item.trial.broken), .init(item.trial.method),
                    .init(item.trial.backtestID),
                ]
                    + metricNames.filter { $0 != objective }.map { name in
                        item.metrics?.metric(name).map { .metric(number: $0.number, text: $0.text) } ?? .null
                    }
            }, displays: ["parameters": .parameters])
    }

    /// `sweep show`: what the sweep is, its best trial, its parameters' importance (the table follows).
    public static func header(_ standing: SweepStanding) -> [String] {
        let sweep = standing.sweep
        let direction = sweep.direction == "minimize" ? "minimise" : "maximise"
        let json = sweep.definition.flatMap { try? JSONParser.parse($0) }
        // Direct trials run on the definition's market; lab trials on their labs' own.
        let labs: [String] = if case .array(let items)? = json?["labs"] { items.compactMap(\.stringValue) } else { [] }
        let place = labs.isEmpty ? sweep.market ?? "?" : "labs " + labs.joined(separator: ", ")
        var lines = [
            "sweep \(sweep.sweepID): \(sweep.state ?? "?")\(sweep.stopReason.map { " (\($0))" } ?? ""), \(sweep.told ?? 0) of \(sweep.budget ?? 0) trials told",
            "script \(sweep.scriptID ?? "?") on \(place); \(sweep.sampler ?? "?") sampler, seed \(sweep.seed ?? 0)",
            "objective: \(direction) \(sweep.objective ?? "?") under \(standing.formula)"
                + (standing.formula == sweep.formula
                    ? "" : " (re-scored; the sweep ran under \(sweep.formula ?? "?"))"),
        ]
        if case .array(let constraints)? = json?["objective"]?["constraints"], !constraints.isEmpty {
            lines.append("constraints: " + constraints.compactMap(\.stringValue).joined(separator: ", "))
        }
        if let best = standing.trials.first, best.state == "complete" {
            lines.append(
                "best: trial \(best.trial.trial), \(sweep.objective ?? "?") = \(best.objective.map { readable(sweep.objective ?? "", .number($0)) } ?? "?") with \(parametersText(best.trial.parameters))"
            )
            if let metrics = best.metrics {
                let shown = ReadModelService.headlineMetrics.compactMap { name in
                    metrics.metric(name).map { "\(name) \(readable(name, .metric(number: $0.number, text: $0.text)))" }
                }
                lines.append("  " + shown.joined(separator: ", "))
            }
        } else {
            lines.append("best: no trial within the constraints")
        }
        if !standing.importance.isEmpty {
            lines.append(
                "importance (share of the objective's variance each parameter explains alone): "
                    + standing.importance.map { "\($0.parameter) \(Int(($0.share * 100).rounded())) %" }.joined(
                        separator: ", "))
        }
        return lines
    }
}
