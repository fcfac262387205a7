import ArgumentParser
import Ledger

extension ExportCommand {
    struct XLSX: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "xlsx",
            abstract:
                "An Excel workbook: backtests (every metric and parameter a column), labs, trades, sweeps, trials.",
            discussion: """
                Written in constant memory through libxlsxwriter, one lab at a time; returns and rates carry a \
                percent format, money two decimals, times a date format, and every cell its exact value. Each \
                sheet has a frozen header and an autofilter. +inf and -inf are written as text, undefined as an \
                empty cell. A sheet that fills its rows (Excel holds 1,048,575 below the header) goes on in \
                "NAME 2", "NAME 3", ... with the same header. The file appears only once it is complete.
                """)
        @OptionGroup var options: LedgerOption
        @OptionGroup var moment: MomentOptions
        @Option(help: "Only this lab.") var lab: String?
        @Option(help: formulaHelp) var formula: String?
        @Flag(help: "Add a sheet of every closed trade (read from each backtest's runtime body).") var trades = false
        @Option(name: [.customShort("o"), .customLong("output")], help: "The .xlsx file to write.") var output: String
        @Option(help: "Rows below each sheet's header before it goes on in the next (at most Excel's 1,048,575).")
        var rowsPerSheet = WorkbookRequest.excelRowsPerSheet
        @OptionGroup var database: SharedReadOptions

        func validate() throws {
            if output == "-" { throw ValidationError("-o: a workbook is a file; give a path ending in .xlsx") }
            guard (1...WorkbookRequest.excelRowsPerSheet).contains(rowsPerSheet) else {
                throw ValidationError("--rows-per-sheet: \(rowsPerSheet); give 1 to 1,048,575 (Excel's most)")
            }
        }

        func run() throws {
            let summary = try options.readModels(formula, from: database).exportWorkbook(
                WorkbookRequest(
                    lab: lab, formula: formula, moment: try moment.moment, trades: trades, rowsPerSheet: rowsPerSheet),
                to: output)
            let sheets = summary.sheets.map { "\($0.name) \($0.rows)" }.joined(separator: ", ")
            StandardError.write("wrote \(output) (log position \(summary.position); rows: \(sheets))")
        }
    }
}
