import ArgumentParser
import Foundation
import Ledger

struct LabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract:
            "Labs from the CLI: create, clone, configure, start, cancel, delete, or run one and record its results.",
        discussion:
            "Every call is recorded; each change as haas.lab.changed, with the lab's state after it. A create, clone or start whose reply is lost is never sent blindly again: the server is asked first.",
        subcommands: [Create.self, Clone.self, Update.self, Start.self, Cancel.self, Delete.self, Run.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a lab for a script (CREATE_LAB); prints its id.")
        @OptionGroup var session: LabSession
        @Option(help: "The script id.") var script: String
        @Option(help: "The lab's name.") var name: String
        @Option(help: "The account id (see `backtest accounts`).") var account: String
        @Option(help: "The market tag.") var market: String
        @Option(help: "Minutes per bar.") var interval: Int = 15

        func run() async throws {
            let lab = try await session.service().create(
                scriptID: script, name: name, accountID: account, market: market, interval: interval,
                client: try session.client())
            try printLines([lab.labID])
        }
    }

    struct Clone: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a lab with its parameters and settings (CLONE_LAB); prints the new id.")
        @OptionGroup var session: LabSession
        @Argument(help: "The lab to copy.") var lab: String
        @Option(help: "The copy's name.") var name: String

        func run() async throws {
            try printLines([
                try await session.service().clone(labID: lab, name: name, client: try session.client()).labID
            ])
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Change a lab's parameters, algorithm or config (UPDATE_LAB_DETAILS, always with the full parameter list)."
        )
        @OptionGroup var session: LabSession
        @OptionGroup var change: LabChangeOptions
        @Argument(help: "The lab.") var lab: String

        func run() async throws {
            let record = try await session.service().update(
                labID: lab, try change.update(), client: try session.client())
            try printLines(["updated \(record.labID)"])
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a lab over a period (START_LAB_EXECUTION).")
        @OptionGroup var session: LabSession
        @Argument(help: "The lab.") var lab: String
        @Option(help: "Start: ISO-8601 or Unix seconds.") var from: String
        @Option(help: "End: ISO-8601 or Unix seconds.") var to: String

        func run() async throws {
            let record = try await session.service().start(
                labID: lab, start: try BacktestArguments.moment(from, flag: "--from"),
                end: try BacktestArguments.moment(to, flag: "--to"), client: try session.client())
            try printLines(["started \(record.labID): \(record.scheduledBacktests ?? 0) backtests scheduled"])
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a running lab (CANCEL_LAB_EXECUTION).")
        @OptionGroup var session: LabSession
        @Argument(help: "The lab.") var lab: String

        func run() async throws {
            let stopped = try await session.service().cancelOrDelete(
                labID: lab, delete: false, client: try session.client())
            try printLines([stopped ? "cancelled \(lab)" : "\(lab) was not running"])
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a lab on the server (DELETE_LAB); the ledger keeps what it recorded.")
        @OptionGroup var session: LabSession
        @Argument(help: "The lab.") var lab: String

        func run() async throws {
            _ = try await session.service().cancelOrDelete(labID: lab, delete: true, client: try session.client())
            try printLines(["deleted \(lab) on the server"])
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Configure, start and follow a lab, recording its results, runtimes and metrics as they complete; then its top 10."
        )
        @OptionGroup var session: LabSession
        @OptionGroup var change: LabChangeOptions
        @Argument(help: "The lab.") var lab: String
        @Option(help: "Start: ISO-8601 or Unix seconds (default: the lab's last period).") var from: String?
        @Option(help: "End: ISO-8601 or Unix seconds.") var to: String?
        @Flag(
            help:
                "Follow a lab that is already running, or one that completed, fetching only what is missing (never starts it again)."
        ) var resume = false
        @Option(
            name: .customLong("max-concurrent"),
            help: "Runtimes fetched at once (default: $HAAS_MAX_CONCURRENT_BACKTESTS, else 5).")
        var maxConcurrent: Int?
        @Option(name: .customLong("poll-interval"), help: "Seconds between status polls.") var pollInterval: Double = 5
        @Option(help: recordingFormulaHelp) var formula: String?

        func validate() throws {
            if (from == nil) != (to == nil) { throw ValidationError("give --from and --to together") }
            if !(pollInterval >= 0) { throw ValidationError("--poll-interval must be 0 or more seconds") }
        }

        func run() async throws {
            let concurrent =
                try maxConcurrent ?? ProcessEnvironment.values["HAAS_MAX_CONCURRENT_BACKTESTS"].map {
                    guard let value = Int($0), value >= 1 else {
                        throw ValidationError(
                            "HAAS_MAX_CONCURRENT_BACKTESTS: '\($0)' is not a whole number of at least 1")
                    }
                    return value
                } ?? 5
            let request = LabRunRequest(
                client: try session.client(), labID: lab, update: try change.update(),
                start: try from.map { try BacktestArguments.moment($0, flag: "--from") },
                end: try to.map { try BacktestArguments.moment($0, flag: "--to") }, resume: resume,
                maxConcurrent: concurrent, pollInterval: .milliseconds(Int64(pollInterval * 1_000)),
                formulas: try session.options.formulas(formula))
            let summary = try await session.service().run(request, progress: LabArguments.showProgress)
            StandardError.endProgress()
            try printLines([
                "lab \(summary.labID): \(summary.completed) of \(summary.scheduled) backtests completed; recorded \(summary.results) results, \(summary.runtimes) runtimes, \(summary.metrics) metric sets"
            ])
            let top = try session.options.readModels(formula).backtests(
                lab: lab, market: nil, formula: nil, conditions: [], sort: "total_return", ascending: false, limit: 10,
                at: .now)
            try printLines(
                [""]
                    + top.selecting(["backtest_id", "parameters"] + ReadModelService.headlineMetrics)
                    .droppingEmpty(["script_version"]).lines(.table))
        }
    }
}

/// The ledger, the server and the writer policy, for every `lab` subcommand. `--config` is the lab's
/// (MP=…,MG=…), as the issue names it, so the config file is `--config-file` here.
struct LabSession: ParsableArguments {
    @Option(
        name: .long,
        help: "The ledger directory (default: $HAASLEDGER_PATH, the config file's ledger, else ./haasledger-data).")
    var ledger: String?
    @Option(
        name: .customLong("config-file"),
        help: "A TOML config file (default: $HAASLEDGER_CONFIG, else ./haasledger.toml if present).")
    var configFile: String?
    @OptionGroup var serverOptions: ServerOptions
    @OptionGroup var writer: WriterOptions

    /// The same as every other command's `--ledger` and `--config`.
    var options: LedgerOption {
        get throws {
            try LedgerOption.parse(
                (ledger.map { ["--ledger", $0] } ?? []) + (configFile.map { ["--config", $0] } ?? []))
        }
    }

    func service() throws -> LabService { try makeService(location: try options.location, writer: writer) }

    func client() throws -> ServerClientConfiguration {
        try serverOptions.connection.clientConfiguration(configuration: try options.configuration)
    }
}

/// `--param`, `--algorithm`, `--config` and `--name`: what `lab update` and `lab run` change.
struct LabChangeOptions: ParsableArguments {
    @Option(name: .customLong("param"), help: "A parameter's options: KEY=a..b:step or KEY=v1,v2,… (repeatable).")
    var parameters: [String] = []
    @Option(help: "brute, intelligent, random or cluster.") var algorithm: LabAlgorithm?
    @Option(help: "MP=…,MG=…,ME=…,MR=…,AR=… (population, generations, elites, mix and adjust rates).") var config:
        String?
    @Option(help: "A new name for the lab.") var name: String?

    func validate() throws {
        do { _ = try update() } catch { throw ValidationError(String(describing: error)) }
    }

    func update() throws -> LabUpdate {
        LabUpdate(
            name: name, parameters: try parameters.map(LabParameterSpec.init(parsing:)), algorithm: algorithm,
            config: try config.map(LabConfigSpec.init(parsing:)))
    }
}

extension LabAlgorithm: ExpressibleByArgument {}
extension LabCommand.Run: StopsBetweenUnits {}

enum LabArguments {
    @Sendable static func showProgress(_ progress: LabProgress) {
        let eta = progress.secondsLeft.map { ", about \(Int($0.rounded())) s left" } ?? ""
        StandardError.progress(
            "lab \(progress.labID.prefix(8)): \(progress.completed)/\(progress.scheduled) backtests, \(progress.runtimes) runtimes\(eta)"
        )
    }
}
