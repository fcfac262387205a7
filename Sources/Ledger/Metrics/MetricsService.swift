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
