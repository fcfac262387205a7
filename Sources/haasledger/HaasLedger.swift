import ArgumentParser
import Ledger

#if canImport(Glibc)
    import Glibc
#endif

@main
struct HaasLedger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "haasledger",
        abstract: "An event-sourced, hash-chained ledger of HaasOnline backtest results.",
        discussion: """
            Exit codes: 0 ok, 1 runtime failure, 2 usage or input error, 3 integrity failure.
            Environment: HAASLEDGER_PATH (default ledger), HAASLEDGER_CLOCK (pin the ledger clock to an \
            ISO-8601 time, for reproducible runs).
            """,
        subcommands: [
            DemoCommand.self, FetchCommand.self, WatchCommand.self, HistoryStatusCommand.self, SimulateCommand.self,
            MetricsCommand.self, QueryCommand.self, HistoryCommand.self, DiffCommand.self, SQLCommand.self,
            ExportCommand.self, ProjectCommand.self, ImportCommand.self, LogCommand.self,
        ]
    )

    /// Maps argument-parser failures to exit code 2 (DESIGN §8) instead of its default 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Glibc.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                print(message)
                Glibc.exit(0)
            }
            FileHandleOutput.standardError(message)
            Glibc.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}
