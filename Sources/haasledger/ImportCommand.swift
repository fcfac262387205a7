import ArgumentParser
import Foundation
import Ledger

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Record pyHaasAPI cache folders and files: runtimes, results, cutoffs, reports and pickles.",
        discussion: """
            Recognises cache/lab_backtests_{lab}_{ts}/, unified_cache/backtests and reports, backtest_cache/ \
            (cache.db and pickles, never unpickled) and data/history_cutoffs*.json. Each file is atomic and \
            recorded once by content hash; a malformed file is reported as `path: reason` and recorded as \
            import.failed while the others import. Exits 1 when any file failed.
            """)
    @OptionGroup var options: LedgerOption
    @OptionGroup var writer: WriterOptions
    @Argument(help: "Cache folders or files.") var paths: [String]
    @Flag(name: .customLong("dry-run"), help: "List what would be imported; record nothing.") var dryRun = false
    @Option(
        name: .customLong("server-label"), help: "Name of the server the caches came from (recorded with each file).")
    var serverLabel: String?
    @Option(help: recordingFormulaHelp) var formula: String?
    @Option(help: "table or json (the summary).") var format: RecordFormat = .table

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give at least one cache folder or file") }
        if let serverLabel, serverLabel.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--server-label cannot be empty")
        }
    }

    func run() throws {
        var service = ImportService(location: try options.location, clock: try ClockSetting.fromEnvironment())
        service.writerPolicy = writer.policy
        let request = ImportRequest(
            paths: paths, dryRun: dryRun, serverLabel: serverLabel,
            workingDirectory: FileManager.default.currentDirectoryPath, formulas: try options.formulas(formula))
        let output = try OutputSink(path: nil)
        var listing: [ImportFileOutcome] = []
        let summary = try service.run(request, progress: ProgressLine.show) { outcome in
            if let problem = ImportPresentation.problemLine(outcome), outcome.status == .failed {
                StandardError.write(problem)
            }
            if dryRun { listing.append(outcome) }
        }
        if format == .json {
            try output.writeJSON(summary.json)
        } else {
            for outcome in listing { try output.writeLine(ImportPresentation.fileLine(outcome)) }
            for line in ImportPresentation.summaryLines(summary) { try output.writeLine(line) }
        }
        try output.finish()
        for warning in summary.warnings { StandardError.write("warning: \(warning)") }
        if summary.failed > 0 {
            throw LedgerError.partialFailure(
                "\(summary.failed) file(s) could not be imported\(dryRun ? "" : "; see import.failed events")")
        }
    }
}
