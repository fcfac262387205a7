import ArgumentParser
import Foundation
import Ledger

struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract:
            "Direct backtests (EXECUTE_BACKTEST): run one and record its result and metrics, follow, cancel, archive, tag or delete.",
        discussion:
            "Every step is recorded on the backtest's stream. The id is chosen by the client and sent with the request, so a start is never made twice: after a lost reply the server is asked about the id before anything is sent again.",
        subcommands: [Run.self, Status.self, Cancel.self, Archive.self, Tag.self, Delete.self, Accounts.self])

    struct Accounts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The accounts the server offers for backtests (GET_BACKTEST_ACCOUNTS), for --account.")
        @OptionGroup var session: ServerSession
        @Option(help: "table, csv, json or ndjson.") var format: ResultTable.Format = .table

        func run() async throws {
            try printLines(
                try await session.service(DirectBacktestService.self).accounts(client: try session.client()).lines(
                    format))
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a backtest and wait for it (a progress line on a terminal), then print its headline metrics."
        )
        @OptionGroup var session: ServerSession
        @Option(help: "The script id.") var script: String
        @OptionGroup var settings: ScriptSettingsOptions
        @Option(help: "Start of the period: ISO-8601 (2026-09-01) or Unix seconds.") var from: String
        @Option(help: "End of the period: ISO-8601 or Unix seconds.") var to: String
        @Option(
            help: "The backtest's id (a UUID; default a new one). The same id again follows it, never starts it twice.")
        var id: String?
        @Flag(help: "Print the id once the server has accepted it, and return.") var detach = false
        @Option(name: .customLong("poll-interval"), help: "Seconds between status polls.") var pollInterval: Double = 2
        @Option(help: recordingFormulaHelp) var formula: String?
        @Option(help: "table or json.") var format: RecordFormat = .table

        func validate() throws {
            if try BacktestArguments.moment(from, flag: "--from") >= BacktestArguments.moment(to, flag: "--to") {
                throw ValidationError("--from/--to: the period must end after it starts")
            }
            if settings.market == nil { throw ValidationError("--market is required") }
            if settings.account == nil { throw ValidationError("--account is required") }
            if !(pollInterval >= 0) { throw ValidationError("--poll-interval must be 0 or more seconds") }
        }

        func run() async throws {
            let request = BacktestRequest(
                client: try session.client(), scriptID: script, settings: try settings.settings(),
                start: try BacktestArguments.moment(from, flag: "--from"),
                end: try BacktestArguments.moment(to, flag: "--to"), backtestID: id, detach: detach,
                pollInterval: .milliseconds(Int64(pollInterval * 1_000)),
                formulas: try session.options.formulas(formula))
            let outcome = try await session.service(DirectBacktestService.self).run(
                request, progress: BacktestArguments.showProgress)
            StandardError.endProgress()
            if detach && format == .table {
                try printLines([outcome.backtestID])
            } else {
                try printLines(BacktestPresentation.lines(outcome, json: format == .json))
            }
            if outcome.phase == "cancelled" {
                throw LedgerError.partialFailure("backtest \(outcome.backtestID) was cancelled on the server")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Ask the server where a direct backtest is and record it; a completed one gets its runtime and metrics recorded."
        )
        @OptionGroup var session: ServerSession
        @Argument(help: "The backtest id.") var backtestID: String
        @Flag(help: "Follow it until it completes or is cancelled.") var wait = false
        @Option(name: .customLong("poll-interval"), help: "Seconds between status polls with --wait.")
        var pollInterval: Double = 2
        @Option(help: recordingFormulaHelp) var formula: String?
        @Option(help: "table or json.") var format: RecordFormat = .table

        func run() async throws {
            let outcome = try await session.service(DirectBacktestService.self).status(
                backtestID: backtestID, client: try session.client(), wait: wait,
                pollInterval: .milliseconds(Int64(max(0, pollInterval) * 1_000)),
                formulas: try session.options.formulas(formula), progress: BacktestArguments.showProgress)
            StandardError.endProgress()
            try printLines(BacktestPresentation.lines(outcome, json: format == .json))
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a running direct backtest (CANCEL_BACKTEST).")
        @OptionGroup var session: ServerSession
        @Argument(help: "The backtest id.") var backtestID: String

        func run() async throws {
            let stopped = try await session.service(DirectBacktestService.self).change(
                .cancel, backtestID: backtestID, client: try session.client())
            try printLines([stopped ? "cancelled \(backtestID)" : "\(backtestID) was no longer running"])
        }
    }

    struct Archive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Keep a result from the server's auto-deletion (ARCHIVE_BACKTEST); --undo lets it go again.")
        @OptionGroup var session: ServerSession
        @Argument(help: "The backtest id.") var backtestID: String
        @Flag(help: "Unarchive instead.") var undo = false

        func run() async throws {
            _ = try await session.service(DirectBacktestService.self).change(
                .archive(!undo), backtestID: backtestID, client: try session.client())
            try printLines(["\(undo ? "unarchived" : "archived") \(backtestID)"])
        }
    }

    struct Tag: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a stored result's tag (EDIT_BACKTEST_TAG).")
        @OptionGroup var session: ServerSession
        @Argument(help: "The backtest id.") var backtestID: String
        @Argument(help: "The tag (empty to clear it).") var tag: String

        func run() async throws {
            _ = try await session.service(DirectBacktestService.self).change(
                .tag(tag), backtestID: backtestID, client: try session.client())
            try printLines(["tagged \(backtestID): \(tag)"])
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a stored result on the server (DELETE_BACKTEST); the ledger keeps what it recorded.")
        @OptionGroup var session: ServerSession
        @Argument(help: "The backtest id.") var backtestID: String

        func run() async throws {
            _ = try await session.service(DirectBacktestService.self).change(
                .delete, backtestID: backtestID, client: try session.client())
            try printLines(["deleted \(backtestID) on the server"])
        }
    }
}

/// What a script runs under: `backtest run`, `script debug` and `script quicktest` take the same flags.
struct ScriptSettingsOptions: ParsableArguments {
    @Option(help: "The market tag, e.g. BINANCE_BTC_USDT_.") var market: String?
    @Option(help: "The account id (see `backtest accounts`).") var account: String?
    @Option(help: "Minutes per bar.") var interval: Int = 15
    @Option(name: .customLong("param"), help: "A script input, KEY=VALUE (repeatable).") var parameters: [String] = []
    @Option(help: "Leverage (default: the market's).") var leverage: Double?
    @Option(name: .customLong("position-mode"), help: "long, short or both (default both).")
    var positionMode: BacktestRequest.PositionMode?
    @Option(name: .customLong("trade-amount"), help: "Trade amount per position.") var tradeAmount: Double?

    func validate() throws {
        _ = try BacktestArguments.parameters(parameters)
        if interval < 1 { throw ValidationError("--interval must be at least 1") }
    }

    /// Whether any flag was given (a debug run without them sends empty settings).
    var isEmpty: Bool {
        market == nil && account == nil && parameters.isEmpty && leverage == nil && positionMode == nil
            && tradeAmount == nil
    }

    func settings() throws -> ScriptSettings {
        ScriptSettings(
            market: market ?? "", accountID: account ?? "", interval: interval,
            parameters: try BacktestArguments.parameters(parameters), leverage: leverage, positionMode: positionMode,
            tradeAmount: tradeAmount)
    }
}

extension BacktestRequest.PositionMode: ExpressibleByArgument {}
extension BacktestCommand.Run: StopsBetweenUnits {}
extension BacktestCommand.Status: StopsBetweenUnits {}

enum BacktestArguments {
    /// Unix seconds from `2026-09-01`, `2026-09-01T12:00Z` or `1756684800`.
    static func moment(_ text: String, flag: String) throws -> Int64 {
        if let seconds = Int64(text) { return seconds }
        guard let micros = Timestamp.parse(text) else {
            throw ValidationError("\(flag): '\(text)' is neither an ISO-8601 time nor Unix seconds")
        }
        return micros / 1_000_000
    }

    static func parameters(_ items: [String]) throws -> [(key: String, value: String)] {
        try items.map { item in
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw ValidationError("--param '\(item)': expected KEY=VALUE")
            }
            return (String(item[..<equals]), String(item[item.index(after: equals)...]))
        }
    }

    @Sendable static func showProgress(_ progress: BacktestProgress) {
        let percent = progress.percent.map { " \(Int($0.rounded())) %" } ?? ""
        StandardError.progress(
            "backtest \(progress.backtestID.prefix(8)): \(progress.phase)\(percent) (poll \(progress.polls))")
    }
}
