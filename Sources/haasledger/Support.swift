import ArgumentParser
import Ledger

/// `--ledger PATH`, shared by every command.
struct LedgerOption: ParsableArguments {
    @Option(name: .long, help: "The ledger directory (default: $HAASLEDGER_PATH, else ./haasledger-data).")
    var ledger: String?

    var location: LedgerLocation {
        LedgerLocation.resolve(flag: ledger, environment: ProcessEnvironment.values)
    }
}

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

/// Progress on stderr when it is a terminal; silent in pipes.
enum ProgressLine {
    static func show(_ progress: FetchProgress) {
        guard StandardError.isTerminal else { return }
        let text =
            progress.phase == "done" ? "\r\u{1B}[K" : "\r\u{1B}[K\(progress.phase): \(progress.done)/\(progress.total)"
        StandardError.write(text, newline: false)
    }
}
