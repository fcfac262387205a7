import ArgumentParser
import Foundation
import Ledger

@main
struct HaasLedger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "haasledger",
        abstract: "An event-sourced, hash-chained ledger of HaasOnline backtest results.",
        discussion: """
            Exit codes: 0 ok, 1 runtime failure, 2 usage or input error, 3 integrity failure.
            Environment: HAASLEDGER_PATH (default ledger), HAASLEDGER_FORMULA (default formula), \
            HAASLEDGER_CONFIG (the config file, else ./haasledger.toml), HAASLEDGER_CLOCK (pin the ledger clock \
            to an ISO-8601 time, for reproducible runs), HAASLEDGER_PROGRESS=lines (progress on stderr one line \
            each, also when it is not a terminal).
            """,
        version: BuildInfo.version,
        subcommands: [
            DemoCommand.self, FetchCommand.self, WatchCommand.self, HistoryStatusCommand.self, SimulateCommand.self,
            MetricsCommand.self, QueryCommand.self, HistoryCommand.self, DiffCommand.self, SQLCommand.self,
            ExportCommand.self, ReportCommand.self, ProjectCommand.self, ImportCommand.self, LogCommand.self,
            ConfigCommand.self,
            ScriptCommand.self, BacktestCommand.self, LabCommand.self, SweepCommand.self,
        ]
    )

    /// The one place failures become exit codes (DESIGN §8): argument-parser's own outcomes keep their
    /// wording (help exits 0; a usage error is 2, not its default 64); a command's error is printed once as
    /// `error: …` with the code `ExitStatus` gives it.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if type(of: command) is any StopsBetweenUnits.Type { StopRequest.stopOnSignals() }
            if type(of: command) is any WritesAFile.Type { PartialFiles.removeOnSignals() }
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch let usage as ValidationError {
            StandardError.write("error: \(usage.message)")
            Foundation.exit(2)
        } catch {
            switch exitCode(for: error) {
            case .success:
                print(fullMessage(for: error))
                Foundation.exit(0)
            case .validationFailure:
                StandardError.write(fullMessage(for: error))
                Foundation.exit(2)
            default:
                // A progress line a command left on the terminal goes first, so the message starts a line.
                StandardError.endProgress()
                // Not one of argument-parser's: the ledger's own errors, worded by their types.
                if case LedgerError.interrupted = error {
                    StandardError.write("\(error)")
                } else {
                    StandardError.write("error: \(error)")
                }
                Foundation.exit(ExitStatus.code(for: error))
            }
        }
    }
}
