import ArgumentParser
import BacktestMetrics
import Ledger

struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Versioned metric formulas: list them, recompute them, check them against vectors.",
        subcommands: [Formulas.self, Recompute.self, Check.self])

    struct Formulas: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the formula sets, their parameters and the libraries they match.")

        func run() async throws {
            let output = try OutputSink(path: nil)
            for line in MetricsService.describe(.builtIn) { try output.writeLine(line) }
            try output.finish()
        }
    }

    struct Recompute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Compute a formula for every recorded runtime that lacks it (the same formula twice appends nothing).")
        @OptionGroup var options: LedgerOption
        @Option(help: "Formula as ID@VERSION.") var formula: String = FormulaRegistry.defaultName
        @Option(help: "Only runtimes of this lab.") var lab: String?

        func run() async throws {
            try await reportingFailures {
                let summary = try MetricsService(location: options.location, clock: try options.clock()).recompute(
                    formula: formula, lab: lab)
                let output = try OutputSink(path: nil)
                try output.writeLine(
                    "\(formula): \(summary.runtimes) runtimes; computed \(summary.computed), already computed \(summary.alreadyComputed), failed \(summary.failed)"
                )
                try output.finish()
                if summary.failed > 0 {
                    throw LedgerError.partialFailure(
                        "\(summary.failed) runtime(s) could not be computed; see metrics.failed events")
                }
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Recompute a metrics-fixture/1 file's cases and compare with expected.canonical (exit 0 only if all match)."
        )
        @Argument(help: "A metrics-fixture/1 JSON file.") var file: String
        @Option(help: "Formula as ID@VERSION.") var formula: String = FormulaRegistry.defaultName

        func run() async throws {
            try await reportingFailures {
                guard let set = FormulaRegistry.builtIn.find(formula) else {
                    throw LedgerError.invalidArgument(flag: "--formula", reason: "unknown formula \(formula)")
                }
                let check = try FixtureCheck.run(try LineSource.read(file), formula: set)
                let output = try OutputSink(path: nil)
                let rows = check.rows.map {
                    [$0.caseID, $0.metric, $0.expected, $0.actual, $0.passed ? "ok" : "MISMATCH"]
                }
                for line in TableRenderer(columns: [
                    .init("CASE"), .init("METRIC"), .init("EXPECTED", rightAligned: true),
                    .init("ACTUAL", rightAligned: true), .init(""),
                ]).render(rows) {
                    try output.writeLine(line)
                }
                let failures = check.rows.filter { !$0.passed }.count
                try output.writeLine("\(check.rows.count - failures) of \(check.rows.count) values match \(formula)")
                try output.finish()
                if failures > 0 { throw ExitCode(1) }
            }
        }
    }
}
