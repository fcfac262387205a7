import ArgumentParser
import Foundation
import Ledger

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Parameter sweeps and optimisation over a script's inputs, every trial recorded and resumable.",
        discussion: """
            A sweep is defined by a TOML or JSON file or by flags: the inputs to search (--int, --real, --choice), \
            the objective (any metric of a formula set, maximised or minimised, with constraints), the sampler \
            (grid, random or tpe, deterministic for a seed) and the budget. Each trial runs as a direct backtest \
            whose id derives from the sweep id and the trial number (or, with --lab, as one run of a lab, its start \
            recorded with the trial), so `sweep resume` after Ctrl-C or a kill asks the same next trials, starts no \
            backtest twice and ends with exactly the budget.
            """,
        subcommands: [Run.self, Resume.self, Show.self, List.self, Cancel.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a sweep from a definition file or flags and run it to its budget.")
        @OptionGroup var session: ServerSession
        @Argument(help: "A definition file (.toml, or .json); or give the definition as flags.") var file: String?
        @Option(help: "The script id.") var script: String?
        @OptionGroup var settings: ScriptSettingsOptions
        @Option(help: "Start of the period: ISO-8601 or Unix seconds.") var from: String?
        @Option(help: "End of the period: ISO-8601 or Unix seconds.") var to: String?
        @Option(name: .customLong("int"), help: "An integer input to search: NAME=LOW:HIGH[:STEP|:log] (repeatable).")
        var integers: [String] = []
        @Option(name: .customLong("real"), help: "A real input to search: NAME=LOW:HIGH[:STEP|:log] (repeatable).")
        var reals: [String] = []
        @Option(name: .customLong("choice"), help: "An input to pick from: NAME=A,B,C (repeatable).")
        var choices: [String] = []
        @Option(help: "The metric to optimise, e.g. sortino_ratio.") var objective: String?
        @Flag(help: "Minimise the objective (default: maximise).") var minimize = false
        @Option(name: .customLong("constraint"), help: "A condition every trial must meet, e.g. num_trades>=20.")
        var constraints: [String] = []
        @Option(help: "The formula set the objective is computed under (default: the built-in default).")
        var formula: String?
        @Option(help: "grid, random or tpe.") var sampler: String = "tpe"
        @Option(help: "The sampler's seed.") var seed: UInt64 = 0
        @Option(name: .customLong("startup-trials"), help: "Random trials before TPE models the results.")
        var startupTrials: Int = 10
        @Option(help: "Told trials to end with (a grid: at most its size).") var trials: Int?
        @Option(name: .customLong("time-limit"), help: "Ask no new trial after this long: 90s, 30m, 2h.")
        var timeLimit: String?
        @Option(
            name: .customLong("parallel"),
            help: "Trials in flight at once (the definition file's budget.concurrency; default 1, or one per --lab).")
        var concurrency: Int?
        @Option(
            name: .customLong("lab"),
            help:
                "Run each trial as a run of this lab instead of a direct backtest (repeatable: one trial in flight per lab)."
        )
        var labs: [String] = []
        @Option(name: .customLong("poll-interval"), help: "Seconds between a trial's status polls.")
        var pollInterval: Double = 2
        @Option(help: "The sweep's id (a UUID; default a new one).") var id: String?
        @Option(help: "table or json.") var format: RecordFormat = .table

        var flagsGiven: Bool {
            script != nil || from != nil || to != nil || !integers.isEmpty || !reals.isEmpty || !choices.isEmpty
                || objective != nil || !settings.isEmpty || !labs.isEmpty
        }

        func validate() throws {
            if file != nil && flagsGiven {
                throw ValidationError("give a definition file or the definition as flags, not both")
            }
            if file == nil && !flagsGiven { throw ValidationError("give a definition file, or --script and the rest") }
            if let timeLimit, SweepDefinition.seconds(timeLimit) == nil {
                throw ValidationError("--time-limit '\(timeLimit)': expected seconds or 90s, 30m, 2h")
            }
            if !(pollInterval >= 0) { throw ValidationError("--poll-interval must be 0 or more seconds") }
        }

        func definition() throws -> (SweepDefinition, source: String) {
            if let file { return (try SweepDefinition.load(path: file), file) }
            guard let script else { throw ValidationError("--script is required") }
            guard let objective else { throw ValidationError("--objective is required") }
            guard let kind = SweepSamplerKind(rawValue: sampler) else {
                throw ValidationError("--sampler '\(sampler)': expected grid, random or tpe")
            }
            guard let from, let to else { throw ValidationError("--from and --to are required") }
            let space =
                try integers.map { try SweepParameter(flag: "--int", text: $0) }
                + reals.map { try SweepParameter(flag: "--real", text: $0) }
                + choices.map { try SweepParameter(flag: "--choice", text: $0) }
            let definition = SweepDefinition(
                scriptID: script, settings: try settings.settings(),
                start: try BacktestArguments.moment(from, flag: "--from"),
                end: try BacktestArguments.moment(to, flag: "--to"), space: space,
                objective: SweepObjective(
                    metric: objective, maximize: !minimize, formula: formula ?? SweepObjective.defaultFormula,
                    constraints: constraints),
                sampler: kind, seed: seed, startupTrials: startupTrials, trials: trials,
                timeLimit: timeLimit.flatMap(SweepDefinition.seconds),
                concurrency: concurrency ?? max(1, labs.count),
                pollInterval: .milliseconds(Int64(pollInterval * 1_000)),
                labs: labs)
            return (definition, "the flags")
        }

        func run() async throws {
            let (definition, source) = try definition()
            let outcome = try await session.service(SweepService.self).run(
                definition, source: source, client: try session.client(), sweepID: id,
                progress: SweepArguments.progress)
            StandardError.endProgress()
            try printLines(SweepPresentation.lines(outcome, json: format == .json))
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Carry on an interrupted or killed sweep exactly where its events say it was.")
        @OptionGroup var session: ServerSession
        @Argument(help: "The sweep id.") var sweepID: String
        @Option(help: "table or json.") var format: RecordFormat = .table

        func run() async throws {
            let outcome = try await session.service(SweepService.self).resume(
                sweepID: sweepID, client: try session.client(), progress: SweepArguments.progress)
            StandardError.endProgress()
            try printLines(SweepPresentation.lines(outcome, json: format == .json))
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "End a sweep for good: its trials in flight are cancelled on the server, and it is recorded.",
            discussion:
                "A sweep running in another process sees the request within a tenth of a second and ends itself.")
        @OptionGroup var session: ServerSession
        @Argument(help: "The sweep id.") var sweepID: String

        func run() async throws {
            let outcome = try await session.service(SweepService.self).cancel(
                sweepID: sweepID, client: try session.client())
            try printLines(SweepPresentation.lines(outcome, json: false))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A sweep's trials by objective, its best trial and its parameters' importance.",
            discussion:
                "With --formula, the same trials are re-judged (objective and constraints) under another formula set, without running anything; `metrics recompute --formula` records what it needs."
        )
        @OptionGroup var table: TableOptions
        @Argument(help: "The sweep id.") var sweepID: String
        @Option(help: "Judge the trials under this formula set (default: the sweep's own).") var formula: String?
        @Option(help: "Show the best N trials (default 20; csv and json show all).") var top: Int = 20

        func run() throws {
            let standing = try table.options.readModels(nil, from: table.database).sweepStanding(
                sweepID, formula: formula, at: try table.moment.moment)
            var trials = SweepPresentation.trialsTable(standing)
            if table.format == .table {
                try printLines(SweepPresentation.header(standing) + [""])
                trials = trials.prefix(top)
            }
            try table.view.print(
                trials, standard: SweepArguments.standardColumns(trials), priority: Array(trials.columns.prefix(4)))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every sweep, as of now or a moment.")
        @OptionGroup var table: TableOptions

        func run() throws { try table.print { try $0.sweeps(at: $1) } }
    }
}

extension SweepCommand.Run: StopsBetweenUnits {}
extension SweepCommand.Resume: StopsBetweenUnits {}

enum SweepArguments {
    /// What a terminal table of trials shows: number, verdict, objective, parameters, constraints broken, then
    /// the headline metrics.
    static func standardColumns(_ table: ResultTable) -> [String] {
        let first = Array(table.columns.prefix(5))
        return first + ReadModelService.headlineMetrics.filter { table.columns.contains($0) && !first.contains($0) }
    }

    /// The progress line, or nil when standard error shows none (so no sweep builds one per trial for nothing).
    static var progress: (@Sendable (SweepOutcome) -> Void)? {
        guard StandardError.showsProgress else { return nil }
        return { @Sendable outcome in StandardError.progress(SweepPresentation.progressLine(outcome)) }
    }
}
