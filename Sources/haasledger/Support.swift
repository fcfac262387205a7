import ArgumentParser
import Ledger

/// `--ledger PATH` and `--config FILE`, shared by every command.
struct LedgerOption: ParsableArguments {
    @Option(
        name: .long,
        help: "The ledger directory (default: $HAASLEDGER_PATH, the config file's ledger, else ./haasledger-data).")
    var ledger: String?
    @Option(name: .long, help: "A TOML config file (default: $HAASLEDGER_CONFIG, else ./haasledger.toml if present).")
    var config: String?

    var configuration: LedgerConfiguration {
        get throws { try LedgerConfiguration.load(flag: config, environment: ProcessEnvironment.values) }
    }

    var location: LedgerLocation {
        get throws {
            LedgerLocation.resolve(
                flag: ledger, environment: ProcessEnvironment.values, configuration: try configuration)
        }
    }

    /// The read models of the ledger (or its rows in a shared database), answering under the formula asked for
    /// (or the default).
    func readModels(_ formula: String?, from database: SharedReadOptions? = nil) throws -> ReadModelService {
        ReadModelService(location: try location, formulas: try formulas(formula), shared: try database?.shared)
    }

    /// The formula a command was asked for: `--formula`, else `$HAASLEDGER_FORMULA`, else the config file's.
    func formulas(_ flag: String?) throws -> FormulaChoice {
        FormulaChoice.resolve(flag: flag, environment: ProcessEnvironment.values, configuration: try configuration)
    }
}

/// A recording command that honours `StopRequest`: on SIGINT or SIGTERM it commits what it did, closes its
/// run as interrupted and exits 130, instead of being killed where it stands.
protocol StopsBetweenUnits {}

extension FetchCommand: StopsBetweenUnits {}
extension WatchCommand: StopsBetweenUnits {}
extension ImportCommand: StopsBetweenUnits {}
extension MetricsCommand.Recompute: StopsBetweenUnits {}
extension LogCommand.Append: StopsBetweenUnits {}

/// A command that writes its output under a temporary name first: on SIGINT or SIGTERM the temporary file is
/// removed before the process exits 130.
protocol WritesAFile {}

extension ReportCommand: WritesAFile {}
extension ExportCommand.CSV: WritesAFile {}
extension ExportCommand.XLSX: WritesAFile {}

/// `--no-wait`, on every command that records: what to do when another one is writing to the ledger.
struct WriterOptions: ParsableArguments {
    @Flag(
        name: .customLong("no-wait"),
        help: "Fail at once when another haasledger is writing to the ledger (default: wait for it).")
    var noWait = false

    var policy: WriterLock.Policy { noWait ? .failAtOnce : .waitOnStandardError }
}

/// The help of every `--formula` of a read command.
let formulaHelp = ArgumentHelp(
    "Formula as ID@VERSION (default: $HAASLEDGER_FORMULA, the config file's formula, else the one the ledger holds).")

/// The help of every `--formula` of a recording command.
let recordingFormulaHelp = ArgumentHelp(
    "Compute metrics under this formula, ID@VERSION, besides the ones the ledger holds (default: $HAASLEDGER_FORMULA, the config file's formula; canonical@2 for a new ledger)."
)

extension EventFormat: ExpressibleByArgument {}
extension ResultTable.Format: ExpressibleByArgument {}

/// `table` or `json`, for commands that print one record.
enum RecordFormat: String, CaseIterable, ExpressibleByArgument {
    case table
    case json
}

/// Writes `lines` to standard output (or `path`), completely or not at all.
func printLines(_ lines: [String], to path: String? = nil) throws {
    let output = try OutputSink(path: path)
    for line in lines { try output.writeLine(line) }
    try output.finish()
}

/// A recording command's progress, drawn by `StandardError.progress`.
enum ProgressLine {
    static func show(_ progress: FetchProgress) {
        if progress.phase == "done" {
            StandardError.endProgress()
        } else {
            StandardError.progress("\(progress.phase): \(progress.done)/\(progress.total)")
        }
    }
}
