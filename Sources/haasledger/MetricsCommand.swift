import ArgumentParser
import Ledger

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Versioned metric formulas: list them, recompute them, check them against vectors.",
        subcommands: [Formulas.self, Recompute.self, Check.self])

    struct Formulas: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the formula sets, their parameters and the libraries they match.")

        func run() throws { try printLines(MetricsService.formulaLines()) }
    }

    struct Recompute: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Compute a formula for every recorded runtime that lacks it (the same formula twice appends nothing).")
        @OptionGroup var options: LedgerOption
        @Option(help: "Formula as ID@VERSION.") var formula: String = LedgerDefaults.formula
        @Option(help: "Only runtimes of this lab.") var lab: String?

        func run() throws {
            let summary = try MetricsService(location: options.location, clock: try ClockSetting.fromEnvironment())
                .recompute(formula: formula, lab: lab)
            try printLines([
                "\(formula): \(summary.runtimes) runtimes; computed \(summary.computed), already computed \(summary.alreadyComputed), failed \(summary.failed)"
            ])
            if summary.failed > 0 {
                throw LedgerError.partialFailure(
                    "\(summary.failed) runtime(s) could not be computed; see metrics.failed events")
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Recompute a metrics-fixture/1 file's cases and compare with expected.canonical (exit 0 only if all match)."
        )
        @Argument(help: "A metrics-fixture/1 JSON file.") var file: String
        @Option(help: "Formula as ID@VERSION.") var formula: String = LedgerDefaults.formula

        func run() throws {
            let (lines, mismatches) = try MetricsService.check(try LineSource.read(file), formula: formula)
            try printLines(lines)
            if mismatches > 0 { throw ExitCode(1) }
        }
    }
}
