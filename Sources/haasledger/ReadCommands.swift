import ArgumentParser
import Ledger
import Projections

/// `--as-of TIME` / `--at-position N`, for every command that reads the read models.
struct MomentOptions: ParsableArguments {
    @Option(name: .customLong("as-of"), help: "Answer as of this ISO-8601 time.") var asOf: String?
    @Option(name: .customLong("at-position"), help: "Answer as of this log position.") var atPosition: UInt64?

    func validate() throws {
        if asOf != nil && atPosition != nil { throw ValidationError("give --as-of or --at-position, not both") }
        if let asOf, Timestamp.parse(asOf) == nil { throw ValidationError("--as-of: not an ISO-8601 time: \(asOf)") }
    }

    var moment: ReadModelService.Moment {
        if let atPosition { return .position(atPosition) }
        if let asOf, let micros = Timestamp.parse(asOf) { return .time(micros) }
        return .now
    }
}

extension ResultTable.Format: ExpressibleByArgument {}

/// `--ledger`, `--as-of` / `--at-position` and `--format`: everything a command that prints one read-model
/// table needs.
struct TableOptions: ParsableArguments {
    @OptionGroup var options: LedgerOption
    @OptionGroup var moment: MomentOptions
    @Option(help: "table, csv, json or ndjson.") var format: ResultTable.Format = .table

    func print(_ query: (ReadModelService, ReadModelService.Moment) throws -> ResultTable) async throws {
        try await reportingFailures {
            try printTable(try query(ReadModelService(location: options.location), moment.moment), format)
        }
    }
}

func printTable(_ table: ResultTable, _ format: ResultTable.Format) throws {
    let output = try OutputSink(path: nil)
    for line in table.lines(format) { try output.writeLine(line) }
    try output.finish()
}

struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query", abstract: "Query the read models (caught up with the log first).",
        subcommands: [Backtests.self, Labs.self, Executions.self, Cutoffs.self, Cache.self])

    struct Labs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Labs as last observed (or as of a moment).")
        @OptionGroup var table: TableOptions

        func run() async throws { try await table.print { try $0.labs(at: $1) } }
    }

    struct Executions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A lab's execution timeline, as recorded by watch.")
        @OptionGroup var table: TableOptions
        @Option(help: "The lab.") var lab: String

        func run() async throws { try await table.print { try $0.executions(lab: lab, at: $1) } }
    }

    struct Cutoffs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Market history status and cutoffs.")
        @OptionGroup var table: TableOptions

        func run() async throws { try await table.print { try $0.cutoffs(at: $1) } }
    }

    struct Cache: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Raw payloads held: kind, subject, bytes, first and last position, fetch count.")
        @OptionGroup var table: TableOptions

        func run() async throws { try await table.print { try $0.cache(at: $1) } }
    }

    struct Backtests: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Backtests with their metrics under one formula.")
        @OptionGroup var options: LedgerOption
        @OptionGroup var moment: MomentOptions
        @Option(help: "Only this lab.") var lab: String?
        @Option(help: "Only this market tag.") var market: String?
        @Option(help: "Formula as ID@VERSION.") var formula: String = "canonical@1"
        @Option(name: .customLong("where"), help: "A condition such as sharpe_ratio>1 (repeatable).") var conditions:
            [String] = []
        @Option(help: "Sort by this metric.") var sort: String?
        @Flag(help: "Sort ascending.") var asc = false
        @Flag(help: "Sort descending (the default).") var desc = false
        @Option(help: "At most this many backtests.") var limit: Int?
        @Option(help: "table, csv, json or ndjson.") var format: ResultTable.Format = .table

        func validate() throws {
            if asc && desc { throw ValidationError("give --asc or --desc, not both") }
            for condition in conditions where BacktestQuery.Filter(condition) == nil {
                throw ValidationError("--where '\(condition)': expected METRIC OP NUMBER with OP one of > >= < <= = !=")
            }
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() async throws {
            try await reportingFailures {
                let query = BacktestQuery(
                    lab: lab, market: market, formula: formula,
                    filters: conditions.compactMap(BacktestQuery.Filter.init),
                    sort: sort, ascending: asc, limit: limit)
                let table = try ReadModelService(location: options.location).backtests(query, at: moment.moment)
                // A terminal cannot show 32 metrics: the table keeps a standard set; csv and json keep all.
                let standard = [
                    "total_return", "cagr", "max_drawdown", "sharpe_ratio", "sortino_ratio", "win_rate",
                    "profit_factor", "num_trades",
                ]
                let shown =
                    format == .table
                    ? table.selecting(
                        ReadModelService.backtestColumns + standard
                            + [sort].compactMap { $0 }.filter { !standard.contains($0) })
                    : table
                try printTable(shown, format)
            }
        }
    }
}

struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project", abstract: "Rebuild the read models from the log, or show how far behind they are.",
        subcommands: [Rebuild.self, Status.self])

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay the log into a new file and swap it in atomically (or write it to --output).")
        @OptionGroup var options: LedgerOption
        @OptionGroup var moment: MomentOptions
        @Option(help: "Write the rebuilt read models here instead of replacing the ledger's.") var output: String?

        func run() async throws {
            try await reportingFailures {
                let position = try ReadModelService(location: options.location).rebuild(
                    at: moment.moment, output: output)
                let output = try OutputSink(path: nil)
                try output.writeLine("rebuilt the read models through position \(position)")
                try output.finish()
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The read models' lag behind the log, in events and seconds.")
        @OptionGroup var options: LedgerOption
        @Option(help: "table, csv, json or ndjson.") var format: ResultTable.Format = .table

        func run() async throws {
            try await reportingFailures {
                try printTable(try ReadModelService(location: options.location).status(), format)
            }
        }
    }
}

struct SQLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "Run a read-only SELECT on the read models (:asof is bound to the position asked for).")
    @OptionGroup var options: LedgerOption
    @OptionGroup var moment: MomentOptions
    @Argument(help: "A read-only SQL statement.") var statement: String
    @Option(help: "table, csv, json or ndjson.") var format: ResultTable.Format = .table

    func run() async throws {
        try await reportingFailures {
            try printTable(try ReadModelService(location: options.location).sql(statement, at: moment.moment), format)
        }
    }
}

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Every event that touched a backtest, with its metric values after each one.")
    @OptionGroup var options: LedgerOption
    @Argument(help: "The backtest id.") var backtest: String
    @Option(help: "Formula as ID@VERSION.") var formula: String = "canonical@1"
    @Option(help: "table, csv, json or ndjson.") var format: ResultTable.Format = .table

    func run() async throws {
        try await reportingFailures {
            try printTable(
                try ReadModelService(location: options.location).history(backtest: backtest, formula: formula), format)
        }
    }
}

struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "What changed between two moments (--from/--to), or what a formula change moved (--formula twice).")
    @OptionGroup var options: LedgerOption
    @Option(help: "The earlier moment: an ISO-8601 time or a log position (#N).") var from: String?
    @Option(help: "The later moment (default: now).") var to: String?
    @Option(
        name: .customLong("formula"),
        help: "Give twice to compare two formulas; once to choose the formula of a time diff.")
    var formulas: [String] = []
    @Option(help: "Only this lab.") var lab: String?
    @Option(help: "table, csv, json or ndjson.") var format: ResultTable.Format = .table
    @OptionGroup var moment: MomentOptions

    func validate() throws {
        if formulas.count > 2 { throw ValidationError("--formula at most twice") }
        if formulas.count < 2 && (moment.asOf != nil || moment.atPosition != nil) {
            throw ValidationError("--as-of / --at-position apply to a formula diff; a time diff uses --from and --to")
        }
        if formulas.count == 2 && (from != nil || to != nil) {
            throw ValidationError("compare two formulas or two moments, not both")
        }
        if formulas.count < 2 && from == nil {
            throw ValidationError("give --from TIME (and optionally --to), or --formula A --formula B")
        }
        for text in [from, to].compactMap({ $0 }) where DiffCommand.moment(text) == nil {
            throw ValidationError("'\(text)' is neither an ISO-8601 time nor a position like #123")
        }
    }

    static func moment(_ text: String) -> ReadModelService.Moment? {
        if text.hasPrefix("#"), let position = UInt64(text.dropFirst()) { return .position(position) }
        return Timestamp.parse(text).map(ReadModelService.Moment.time)
    }

    func run() async throws {
        try await reportingFailures {
            let service = ReadModelService(location: options.location)
            let table: ResultTable
            if formulas.count == 2 {
                table = try service.diff(formulas: formulas[0], formulas[1], at: moment.moment, lab: lab)
            } else {
                table = try service.diff(
                    from: DiffCommand.moment(from ?? "") ?? .now, to: to.flatMap(DiffCommand.moment) ?? .now, lab: lab,
                    formula: formulas.first ?? "canonical@1")
            }
            try printTable(table, format)
        }
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export reports.", subcommands: [CSV.self])

    struct CSV: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "csv",
            abstract:
                "pyHaasAPI's backtests_analytics.csv columns with their correct meanings, plus formula and as_of (RFC 4180)."
        )
        @OptionGroup var options: LedgerOption
        @OptionGroup var moment: MomentOptions
        @Option(help: "Only this lab.") var lab: String?
        @Option(help: "Formula as ID@VERSION.") var formula: String = "canonical@1"
        @Option(help: "Write to this file instead of standard output.") var output: String?

        func run() async throws {
            try await reportingFailures {
                let table = try ReadModelService(location: options.location).analytics(
                    lab: lab, formula: formula, at: moment.moment)
                let sink = try OutputSink(path: output)
                for line in table.lines(.csv) { try sink.writeLine(line) }
                try sink.finish()
            }
        }
    }
}
