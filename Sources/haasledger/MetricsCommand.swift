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
                "Compute a formula for every recorded runtime that lacks it; without one, complete every formula the ledger holds (nothing is computed twice).")
        @OptionGroup var options: LedgerOption
        @OptionGroup var writer: WriterOptions
        @Option(help: formulaHelp) var formula: String?
        @Option(help: "Only runtimes of this lab.") var lab: String?

        func run() throws {
            var service = MetricsService(location: try options.location, clock: try ClockSetting.fromEnvironment())
            service.writerPolicy = writer.policy
            let summaries = try service.recompute(try options.formulas(formula), lab: lab)
            try printLines(
                summaries.map { summary in
                    "\(summary.formula): \(summary.runtimes) runtimes; computed \(summary.computed), already computed \(summary.alreadyComputed), failed \(summary.failed)"
                })
            let failed = summaries.reduce(0) { $0 + $1.failed }
            if failed > 0 {
                throw LedgerError.partialFailure("\(failed) runtime(s) could not be computed; see metrics.failed events")
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Recompute a metrics-fixture/1 file's cases and compare with expected.canonical (exit 0 only if all match)."
        )
        @Argument(help: "A metrics-fixture/1 JSON file.") var file: String
        @Option(help: "Formula as ID@VERSION (default: $HAASLEDGER_FORMULA, the config file's, else the built-in default).")
        var formula: String?
        @Option(help: "A TOML config file (default: $HAASLEDGER_CONFIG, else ./haasledger.toml if present).")
        var config: String?

        func run() throws {
            let choice = FormulaChoice.resolve(
                flag: formula, environment: ProcessEnvironment.values,
                configuration: try LedgerConfiguration.load(flag: config, environment: ProcessEnvironment.values))
            let (lines, mismatches) = try MetricsService.check(try LineSource.read(file), formula: choice.withoutLedger)
            try printLines(lines)
            if mismatches > 0 { throw ExitCode(1) }
        }
    }
}
