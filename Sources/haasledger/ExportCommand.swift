import ArgumentParser
import Ledger

/// `haasledger export csv|xlsx`: files for other tools, written whole or not at all.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export reports.", subcommands: [CSV.self, XLSX.self])

    struct CSV: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "csv",
            abstract:
                "pyHaasAPI's backtests_analytics.csv columns with their correct meanings, plus formula and as_of (RFC 4180)."
        )
        @OptionGroup var options: LedgerOption
        @OptionGroup var moment: MomentOptions
        @Option(help: "Only this lab.") var lab: String?
        @Option(help: formulaHelp) var formula: String?
        @Option(help: "Write to this file instead of standard output.") var output: String?
        @OptionGroup var database: SharedReadOptions

        func run() throws {
            let stream = TableStream(try OutputSink(path: output), format: .csv)
            try options.readModels(formula, from: database).analytics(lab: lab, formula: nil, at: try moment.moment) {
                try stream.write($0)
            }
            try stream.finish()
        }
    }
}
