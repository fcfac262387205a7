import Foundation
import HaasAPI
import JSON

/// The client configuration a server command is given, named for the CLI (which imports only Ledger).
public typealias ServerClientConfiguration = HaasClientConfiguration

/// How `backtest run` and `backtest status` print what they saw.
public enum BacktestPresentation {
    /// The metrics worth a glance, in this order; `--format json` carries every one.
    static let headline = ReadModelService.headlineMetrics

    public static func lines(_ outcome: BacktestOutcome, json: Bool) -> [String] {
        if json { return [CanonicalJSON.string(self.json(outcome))] }
        var rows: [(String, String)] = [("backtest", outcome.backtestID)]
        var phase = outcome.phase
        if let progress = outcome.progress, outcome.phase == "running" || outcome.phase == "cancelled" {
            phase += " at \(ReadableNumbers.text(.number(progress), display: .percent))"
        }
        if outcome.polls > 0 { phase += " (\(outcome.polls) status poll\(outcome.polls == 1 ? "" : "s"))" }
        rows.append(("phase", phase))
        if outcome.reconciliations > 0 {
            rows.append(
                (
                    "reconciled",
                    "\(outcome.reconciliations) lost repl\(outcome.reconciliations == 1 ? "y" : "ies"); started once"
                ))
        }
        if let version = outcome.scriptVersion { rows.append(("script version", String(version.prefix(16)) + "…")) }
        if let position = outcome.runtimePosition { rows.append(("runtime", "position \(position)")) }
        var lines = TableRenderer.keyValue(rows)
        for (formula, values) in outcome.metrics {
            lines.append("")
            lines.append("metrics (\(formula))")
            let metricRows = headline.compactMap { name -> (String, String)? in
                guard let value = values[name] else { return nil }
                return ("  " + name, ReadableNumbers.text(cell(value), style: ReadableNumbers.style(ofColumn: name)))
            }
            lines += TableRenderer.keyValue(metricRows)
        }
        return lines
    }

    static func cell(_ value: JSONValue) -> ResultTable.Cell {
        switch value {
        case .number(let number): .number(number.doubleValue)
        case .string(let text):
            text == "+inf" ? .number(.infinity) : text == "-inf" ? .number(-.infinity) : .nonNumber(text)
        default: .null
        }
    }

    static func json(_ outcome: BacktestOutcome) -> JSONValue {
        .object([
            ("backtest_id", .string(outcome.backtestID)), ("phase", .string(outcome.phase)),
            ("progress", outcome.progress.flatMap(JSONNumber.init).map(JSONValue.number) ?? .null),
            ("polls", .number(outcome.polls)), ("reconciliations", .number(outcome.reconciliations)),
            ("script_version", .optional(outcome.scriptVersion)),
            ("runtime_position", outcome.runtimePosition.map { .number($0) } ?? .null),
            ("metrics", .object(outcome.metrics.map { ($0.formula, $0.values) })),
        ])
    }
}
