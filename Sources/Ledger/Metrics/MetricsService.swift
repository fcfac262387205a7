import BacktestMetrics
import EventLog

/// `haasledger metrics …` use cases.
public struct MetricsService: Sendable {
    public let location: LedgerLocation
    public let registry: FormulaRegistry
    public let clock: any LedgerClock

    public init(location: LedgerLocation, registry: FormulaRegistry = .builtIn, clock: any LedgerClock = SystemClock())
    {
        self.location = location
        self.registry = registry
        self.clock = clock
    }

    /// Computes `formula` for every recorded runtime (of `lab`) that does not have it yet.
    public func recompute(formula: String, lab: String?) throws -> MetricsEngine.Summary {
        try MetricsEngine(log: try location.openLog(create: false, clock: clock), registry: registry).compute(
            formula: formula, lab: lab)
    }

    /// Lines describing every registered formula set.
    public static func describe(_ registry: FormulaRegistry) -> [String] {
        var lines: [String] = []
        for set in registry.sets {
            lines.append("\(set.name)\(set.name == FormulaRegistry.defaultName ? " (default)" : "") — \(set.summary)")
            lines.append("  parameters:")
            for (name, value) in set.parameters.entries { lines.append("    \(name): \(value)") }
            lines.append("  matches:")
            for match in set.matches { lines.append("    \(match.metric): \(match.library)") }
        }
        return lines
    }
}

/// What the metrics commands print, worded here so the CLI only prints lines.
extension MetricsService {
    /// `metrics formulas`.
    public static func formulaLines() -> [String] { describe(.builtIn) }

    /// `metrics check`: a row per value compared, a closing count, and how many did not match.
    public static func check(_ source: LineSource, formula name: String) throws -> (lines: [String], mismatches: Int) {
        guard let formula = FormulaRegistry.builtIn.find(name) else {
            let known = FormulaRegistry.builtIn.sets.map(\.name).joined(separator: ", ")
            throw LedgerError.invalidArgument(flag: "--formula", reason: "unknown formula \(name); known: \(known)")
        }
        let check = try FixtureCheck.run(source, formula: formula)
        let rows = check.rows.map { [$0.caseID, $0.metric, $0.expected, $0.actual, $0.passed ? "ok" : "MISMATCH"] }
        let mismatches = check.rows.filter { !$0.passed }.count
        let table = TableRenderer(columns: [
            .init("CASE"), .init("METRIC"), .init("EXPECTED", rightAligned: true), .init("ACTUAL", rightAligned: true),
            .init(""),
        ]).render(rows)
        return (table + ["\(check.rows.count - mismatches) of \(check.rows.count) values match \(name)"], mismatches)
    }
}
