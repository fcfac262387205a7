import ArgumentParser
import Foundation
import Ledger

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML report: labs, top backtests, sweeps, changes over time, provenance.",
        discussion: """
            The file needs no network to open (no CDN, no web fonts): charts are inline SVG and a little plain \
            JavaScript sorts tables and shows tooltips. The same ledger position and options give the same bytes; \
            the position and its event hash are printed in the file.
            """)
    @OptionGroup var options: LedgerOption
    @Option(
        name: .customLong("lab"),
        help: "Only this lab (repeat for several; default: every lab and the direct backtests).")
    var labs: [String] = []
    @Option(name: .customLong("sweep"), help: "This sweep (repeat for several; default: every sweep).")
    var sweeps: [String] = []
    @Option(
        help:
            "Show numbers under this formula set (default: $HAASLEDGER_FORMULA, the config file's, else the ledger's).")
    var formula: String?
    @Option(
        name: .customLong("compare-formula"),
        help: "Set this formula set beside the first: rank moves and what moved most.")
    var compareFormula: String?
    @Option(help: "Add what changed since this moment: an ISO-8601 time or a log position (#N).") var since: String?
    @Option(help: "Backtests in each lab's table.") var top = 20
    @Option(help: "Backtests of each lab given a section of their own (equity, drawdown, months, trades).")
    var detailed = 3
    @Option(
        name: [.customShort("o"), .customLong("output")], help: "The HTML file to write (default: standard output).")
    var output: String?
    @OptionGroup var moment: MomentOptions
    @OptionGroup var database: SharedReadOptions

    func validate() throws {
        if top < 1 { throw ValidationError("--top must be at least 1") }
        if detailed < 0 { throw ValidationError("--detailed must be 0 or more") }
        if let since, ReadModelService.Moment(since) == nil {
            throw ValidationError("--since '\(since)' is neither an ISO-8601 time nor a position like #123")
        }
        if let compareFormula, compareFormula == formula {
            throw ValidationError("--compare-formula names the formula the report is already shown under")
        }
    }

    func run() throws {
        let service = try options.readModels(formula, from: database)
        let report = try service.report(
            ReportRequest(
                labs: labs, sweeps: sweeps, moment: try moment.moment, formula: formula, compareFormula: compareFormula,
                since: since.flatMap(ReadModelService.Moment.init), top: top, detailed: detailed))
        let sink = try OutputSink(path: output)
        try sink.writeLine(report.html)
        try sink.finish()
        if let output, output != "-" {
            StandardError.write(
                "wrote \(output) (\(report.summary))")
        }
    }
}
