import BacktestMetrics
import EventLog
import JSON
import LedgerEvents

/// `haasledger metrics …` use cases.
public struct MetricsService: Sendable {
    public let location: LedgerLocation
    public let registry: FormulaRegistry
    public let clock: any LedgerClock
    /// What to do when another command is writing to the ledger.
    public var writerPolicy: WriterLock.Policy = .waitOnStandardError
    /// Honoured after each batch: what is computed stays, and the run is closed as interrupted.
    public var stopRequest: StopRequest = .process

    public init(location: LedgerLocation, registry: FormulaRegistry = .builtIn, clock: any LedgerClock = SystemClock())
    {
        self.location = location
        self.registry = registry
        self.clock = clock
    }

    /// Computes the chosen formula for every recorded runtime (of `lab`) that does not have it yet — or, without
    /// a choice, completes every formula the ledger holds. The run is framed by `run.started` (naming the
    /// formulas, so the ledger keeps computing them on later fetches and imports) and `run.finished`.
    public func recompute(_ choice: FormulaChoice, lab: String?) throws -> [MetricsEngine.Summary] {
        let log = try location.openLog(create: false, clock: clock)  // first: a missing ledger is not created
        let lock = try WriterLock.acquire(location, command: "metrics recompute", policy: writerPolicy)
        defer { withExtendedLifetime(lock) {} }
        let formulas = try choice.chosen.map { chosen in
            guard let set = registry.find(chosen.name) else {
                throw LedgerError.invalidArgument(
                    flag: chosen.source,
                    reason: "unknown formula \(chosen.name) (known: \(registry.sets.map(\.name).joined(separator: ", ")))")
            }
            return [set]
        } ?? choice.toRecord(log)
        let runID = EventID.generate()
        try log.append(
            EventDraft(
                .runStarted, stream: RecorderStreams.run(runID),
                payload: Payload(
                    .object([
                        ("command", .string("metrics recompute")), ("lab", .optional(lab)),
                        ("formulas", .array(formulas.map { .string($0.name) })),
                    ])),
                expectedVersion: 0, correlationID: runID, source: "metrics recompute"))
        let engine = MetricsEngine(log: log, registry: registry)
        var summaries: [MetricsEngine.Summary] = []
        do {
            for formula in formulas {
                summaries.append(try engine.compute(formula: formula.name, lab: lab, stop: stopRequest))
            }
        } catch LedgerError.interrupted(let progress) {
            try log.append(
                EventDraft(
                    .runFinished, stream: RecorderStreams.run(runID),
                    payload: Payload(.object([("command", .string("metrics recompute")), ("interrupted", .bool(true))])),
                    expectedVersion: 1, correlationID: runID, source: "metrics recompute"))
            throw LedgerError.interrupted(
                "metrics recompute stopped at \(progress); what it computed is recorded, and the same command again completes the rest")
        }
        try log.append(
            EventDraft(
                .runFinished, stream: RecorderStreams.run(runID),
                payload: Payload(
                    .object([
                        ("command", .string("metrics recompute")),
                        (
                            "formulas",
                            .array(
                                summaries.map { summary in
                                    .object([
                                        ("formula", .string(summary.formula)), ("runtimes", .number(summary.runtimes)),
                                        ("computed", .number(summary.computed)),
                                        ("already_computed", .number(summary.alreadyComputed)),
                                        ("failed", .number(summary.failed)),
                                    ])
                                })
                        ),
                    ])),
                expectedVersion: 1, correlationID: runID, source: "metrics recompute"))
        return summaries
    }

    /// Lines describing every registered formula set.
    public static func describe(_ registry: FormulaRegistry) -> [String] {
        var lines: [String] = []
        for set in registry.sets {
            lines.append(
                "\(set.name)\(set.name == FormulaRegistry.defaultName ? " (default for new ledgers)" : "") — \(set.summary)")
            lines.append("  parameters:")
            for (name, value) in set.parameters.entries { lines.append("    \(name): \(value)") }
            if !set.changes.isEmpty {
                lines.append("  changed from \(set.id)@\(set.version - 1):")
                for change in set.changes { lines.append("    \(change.metric): \(change.why)") }
            }
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

    /// `metrics check`: a row per value compared, a closing count (naming the formula used and why), and how
    /// many did not match.
    public static func check(_ source: LineSource, formula chosen: (name: String, source: String)) throws
        -> (lines: [String], mismatches: Int)
    {
        let name = chosen.name
        guard let formula = FormulaRegistry.builtIn.find(name) else {
            let known = FormulaRegistry.builtIn.sets.map(\.name).joined(separator: ", ")
            throw LedgerError.invalidArgument(flag: chosen.source, reason: "unknown formula \(name); known: \(known)")
        }
        let check = try FixtureCheck.run(source, formula: formula)
        let rows = check.rows.map { [$0.caseID, $0.metric, $0.expected, $0.actual, $0.passed ? "ok" : "MISMATCH"] }
        let mismatches = check.rows.filter { !$0.passed }.count
        let table = TableRenderer(columns: [
            .init("CASE"), .init("METRIC"), .init("EXPECTED", rightAligned: true), .init("ACTUAL", rightAligned: true),
            .init(""),
        ]).render(rows)
        let why = FormulaChoice.describe(chosen)
        return (table + ["\(check.rows.count - mismatches) of \(check.rows.count) values match \(name) (\(why))"], mismatches)
    }
}
