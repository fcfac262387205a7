import ArgumentParser
import Foundation
import Ledger

/// `--as-of TIME` / `--at-position N`, for every command that reads the read models.
struct MomentOptions: ParsableArguments {
    @Option(name: .customLong("as-of"), help: "Answer as of this ISO-8601 time.") var asOf: String?
    @Option(name: .customLong("at-position"), help: "Answer as of this log position.") var atPosition: UInt64?

    func validate() throws {
        if asOf != nil && atPosition != nil { throw ValidationError("give --as-of or --at-position, not both") }
        do { _ = try moment } catch { throw ValidationError(String(describing: error)) }
    }

    var moment: ReadModelService.Moment {
        get throws { try ReadModelService.Moment(asOf: asOf, atPosition: atPosition) }
    }
}

/// `--ledger`, `--as-of` / `--at-position` and the table view: everything a command that prints one read-model
/// table needs.
struct TableOptions: ParsableArguments {
    @OptionGroup var options: LedgerOption
    @OptionGroup var moment: MomentOptions
    @OptionGroup var database: SharedReadOptions
    @OptionGroup var view: TableView

    var format: ResultTable.Format { view.format }
    var raw: Bool { view.raw }

    func print(_ query: (ReadModelService, ReadModelService.Moment) throws -> ResultTable) throws {
        try view.print(try query(try options.readModels(nil, from: database), try moment.moment))
    }
}

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query", abstract: "Query the read models (caught up with the log first).",
        subcommands: [Backtests.self, Labs.self, Executions.self, Cutoffs.self, Cache.self, Scripts.self, Trials.self])

    struct Trials: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A sweep's trials with their verdicts and metrics (under --formula: re-judged, nothing run).")
        @OptionGroup var options: LedgerOption
        @OptionGroup var moment: MomentOptions
        @Option(help: "The sweep.") var sweep: String
        @Option(help: "Judge the trials under this formula set (default: the sweep's own).") var formula: String?
        @Option(name: .customLong("where"), help: "A condition such as num_trades>=20 (repeatable).")
        var conditions: [String] = []
        @Option(
            help: "Sort by this metric (default: best objective first).", completion: .list(BuildInfo.metricNames))
        var sort: String?
        @Flag(help: "Sort ascending.") var asc = false
        @Option(help: "At most this many trials.") var limit: Int?
        @OptionGroup var database: SharedReadOptions
        @OptionGroup var view: TableView

        func validate() throws {
            if let problem = conditions.lazy.compactMap(ReadModelService.conditionProblem).first {
                throw ValidationError(problem)
            }
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() throws {
            let table = try options.readModels(nil, from: database).trials(
                sweep: sweep, formula: formula, conditions: conditions, sort: sort, ascending: asc, limit: limit,
                at: try moment.moment)
            try view.print(
                table, standard: SweepArguments.standardColumns(table), priority: Array(table.columns.prefix(4)))
        }
    }

    struct Scripts: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Scripts as last recorded by script list or script show, with their version (the source's SHA-256).")
        @OptionGroup var table: TableOptions

        func run() throws { try table.print { try $0.scripts(at: $1) } }
    }

    struct Labs: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Labs as last observed (or as of a moment).")
        @OptionGroup var table: TableOptions
        @Flag(help: "Per lab: backtests, best, median and worst total return, share profitable (under --formula).")
        var summary = false
        @Option(help: formulaHelp) var formula: String?

        func validate() throws {
            if formula != nil && !summary { throw ValidationError("--formula applies to --summary") }
        }

        func run() throws {
            if summary {
                let service = try table.options.readModels(formula, from: table.database)
                try printLines(
                    try service.labSummary(formula: nil, at: try table.moment.moment).lines(
                        table.format, raw: table.raw))
            } else {
                try table.print { try $0.labs(at: $1) }
            }
        }
    }

    struct Executions: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Execution timelines: a lab's (as watch recorded it) or a direct backtest's, step by step.",
            discussion: "With neither --lab nor --backtest, every execution by its latest step.")
        @OptionGroup var table: TableOptions
        @Option(help: "The lab.") var lab: String?
        @Option(help: "The direct backtest.") var backtest: String?

        func validate() throws {
            if lab != nil && backtest != nil { throw ValidationError("give --lab or --backtest, not both") }
        }

        func run() throws { try table.print { try $0.executions(lab: lab, backtest: backtest, at: $1) } }
    }

    struct Cutoffs: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Market history status and cutoffs.")
        @OptionGroup var table: TableOptions

        func run() throws { try table.print { try $0.cutoffs(at: $1) } }
    }

    struct Cache: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Raw payloads held: kind, subject, bytes, first and last position, fetch count.")
        @OptionGroup var table: TableOptions

        func run() throws { try table.print { try $0.cache(at: $1) } }
    }

    struct Backtests: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Backtests with their metrics under one formula.")
        @OptionGroup var options: LedgerOption
        @OptionGroup var moment: MomentOptions
        @Option(help: "Only this lab.") var lab: String?
        @Option(help: "Only this market tag.") var market: String?
        @Option(help: formulaHelp) var formula: String?
        @Option(
            name: .customLong("where"),
            help:
                "A condition (repeatable): on a metric (sharpe_ratio>1), a column (market=BINANCE_BTC_USDT_, script_name=…, reported_roi>10) or a script parameter (\"param.Stop Loss>=2\")."
        ) var conditions: [String] = []
        @Option(
            name: .customLong("param"),
            help:
                "Show this script parameter as a column, param.NAME (repeatable; NAME is the whole key or its last part)."
        )
        var parameters: [String] = []
        @Option(help: "Sort by this metric (default: total_return).", completion: .list(BuildInfo.metricNames))
        var sort: String?
        @Flag(help: "Sort ascending.") var asc = false
        @Flag(help: "Sort descending (the default).") var desc = false
        @Option(help: "At most this many backtests.") var limit: Int?
        @OptionGroup var database: SharedReadOptions
        @OptionGroup var view: TableView

        func validate() throws {
            if asc && desc { throw ValidationError("give --asc or --desc, not both") }
            if let problem = conditions.lazy.compactMap(ReadModelService.conditionProblem).first {
                throw ValidationError(problem)
            }
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() throws {
            // A terminal cannot show 32 metrics: the table keeps a standard set (then fits it to the terminal);
            // csv and json keep all.
            let standard = ReadModelService.headlineMetrics
            let picked =
                ReadModelService.backtestColumns + parameters.map { "param." + $0 } + standard
                + [sort].compactMap { $0 }.filter { !standard.contains($0) }
            // On a narrow terminal the metrics stay longest; the lab and the position in it go first.
            let priority =
                ["backtest_id"] + [sort].compactMap { $0 } + parameters.map { "param." + $0 } + standard
                + ["market", "script_version", "lab_id", "population", "generation"]
            let service = try options.readModels(formula, from: database)
            let moment = try moment.moment
            // An all-empty script version column says nothing to a person; csv and json keep their shape.
            try view.printPages(
                standard: picked, priority: priority, adjusted: { $0.droppingEmpty(["script_version"]) }
            ) {
                try service.backtestPages(
                    lab: lab, market: market, formula: nil, conditions: conditions, parameters: parameters, sort: sort,
                    ascending: asc, limit: limit, at: moment, columns: view.pickedColumns, page: $0)
            }
        }
    }
}

struct ProjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project", abstract: "Rebuild the read models from the log, or show how far behind they are.",
        subcommands: [Rebuild.self, Status.self, Sync.self])

    struct Rebuild: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay the log into a new file and swap it in atomically (or write it to --output).")
        @OptionGroup var options: LedgerOption
        @OptionGroup var moment: MomentOptions
        @Option(help: "Write the rebuilt read models here instead of replacing the ledger's.") var output: String?

        func run() throws {
            let position = try ReadModelService(location: try options.location).rebuild(
                at: try moment.moment, output: output, progress: ProgressLine.show)
            StandardError.endProgress()
            try printLines(["rebuilt the read models through position \(position)"])
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The read models' lag behind the log, in events and seconds.")
        @OptionGroup var options: LedgerOption
        @Option(help: "table, csv, json or ndjson.") var format: ResultTable.Format = .table
        @Flag(help: "In a table, every number at full precision (csv, json and ndjson always are).") var raw = false

        func run() throws {
            try printLines(try ReadModelService(location: try options.location).status().lines(format, raw: raw))
        }
    }
}

struct SQLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "Run a read-only SELECT on the read models (:asof is bound to the position asked for).",
        discussion: """
            With --postgres, the statement runs on the read models `project sync --postgres` projected, in a \
            read-only transaction with the same --timeout; --ledger-id shows only that ledger's rows, under \
            the same table names, and lets --as-of TIME find that ledger's position.
            """)
    @OptionGroup var options: LedgerOption
    @OptionGroup var moment: MomentOptions
    @OptionGroup var database: PostgresOptions
    @Option(help: "With --postgres: only this ledger's rows (its id, from `log stats`).") var ledgerId: String?
    @Argument(help: "One read-only SQL statement.") var statement: String
    @Option(help: "table, csv, json or ndjson.") var format: ResultTable.Format = .table
    @Flag(help: "In a table, every number at full precision (csv, json and ndjson always are).") var raw = false
    @Option(help: "Stop the statement after this many seconds.") var timeout: Double = 30

    func validate() throws {
        if !(timeout > 0) { throw ValidationError("--timeout must be more than 0 seconds") }
    }

    func run() async throws {
        if let target = try database.target {
            let table = try await PostgresService(location: try options.location).sql(
                statement, target: target, ledgerID: ledgerId, at: try moment.moment, timeLimit: timeout)
            try printLines(table.lines(format, raw: raw))
            return
        }
        if ledgerId != nil { throw ValidationError("--ledger-id applies to --postgres") }
        try printLines(
            try ReadModelService(location: try options.location).sql(
                statement, at: try moment.moment, timeLimit: timeout
            )
            .lines(format, raw: raw))
    }
}

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Every event that touched a backtest, with its metric values after each one.")
    @OptionGroup var options: LedgerOption
    @Argument(help: "The backtest id.") var backtest: String
    @Option(help: formulaHelp) var formula: String?
    @Option(help: "table, csv, json or ndjson.") var format: ResultTable.Format = .table
    @Flag(help: "In a table, every number at full precision (csv, json and ndjson always are).") var raw = false
    @OptionGroup var database: SharedReadOptions

    func run() throws {
        try printLines(
            try options.readModels(formula, from: database).history(backtest: backtest, formula: nil).lines(
                format, raw: raw))
    }
}

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "What changed between two moments (--from/--to), or what a formula change moved (--formula twice).")
    @OptionGroup var options: LedgerOption
    @Option(help: "The earlier moment: an ISO-8601 time or a log position (#N).") var from: String?
    @Option(help: "The later moment (default: now).") var to: String?
    @Option(
        name: .customLong("formula"),
        help:
            "Give twice to compare two formulas; once to choose the formula of a time diff (default: $HAASLEDGER_FORMULA, the config file's, else the one the ledger holds)."
    )
    var formulas: [String] = []
    @Flag(help: "With two formulas: one row per metric that moved (how many backtests, by how much, rank moves).")
    var summary = false
    @Option(help: "Only this lab.") var lab: String?
    @Option(help: "Only this sweep's trials.") var sweep: String?
    @Option(help: "table, csv, json or ndjson.") var format: ResultTable.Format = .table
    @Flag(help: "In a table, every number at full precision (csv, json and ndjson always are).") var raw = false
    @OptionGroup var moment: MomentOptions
    @OptionGroup var database: SharedReadOptions

    func validate() throws {
        if formulas.count > 2 { throw ValidationError("--formula at most twice") }
        if formulas.count < 2 && (moment.asOf != nil || moment.atPosition != nil) {
            throw ValidationError("--as-of / --at-position apply to a formula diff; a time diff uses --from and --to")
        }
        if formulas.count == 2 && (from != nil || to != nil) {
            throw ValidationError("compare two formulas or two moments, not both")
        }
        if summary && formulas.count < 2 {
            throw ValidationError("--summary applies to a formula diff (--formula twice)")
        }
        if formulas.count < 2 && from == nil {
            throw ValidationError("give --from TIME (and optionally --to), or --formula A --formula B")
        }
        for text in [from, to].compactMap({ $0 }) where ReadModelService.Moment(text) == nil {
            throw ValidationError("'\(text)' is neither an ISO-8601 time nor a position like #123")
        }
    }

    func run() throws {
        let service = try options.readModels(formulas.first, from: database)
        let table: ResultTable
        if formulas.count == 2 {
            table =
                summary
                ? try service.diffSummary(
                    formulas: formulas[0], formulas[1], at: try moment.moment, lab: lab, sweep: sweep)
                : try service.diff(formulas: formulas[0], formulas[1], at: try moment.moment, lab: lab, sweep: sweep)
        } else {
            let from = from.flatMap(ReadModelService.Moment.init) ?? .now
            let to = to.flatMap(ReadModelService.Moment.init) ?? .now
            guard format == .table else {
                let stream = TableStream(try OutputSink(path: nil), format: format)
                try service.diffPages(from: from, to: to, lab: lab, sweep: sweep, formula: nil) { try stream.write($0) }
                return try stream.finish()
            }
            table = try service.diff(from: from, to: to, lab: lab, sweep: sweep, formula: nil)
        }
        try printLines(table.lines(format, raw: raw))
    }
}
