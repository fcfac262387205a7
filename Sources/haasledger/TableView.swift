import ArgumentParser
import Foundation
import Ledger

/// `--format`, `--raw`, `--wide` and `--columns`: how a read-model table is printed.
struct TableView: ParsableArguments {
    @Option(help: "table, csv, json or ndjson.") var format: ResultTable.Format = .table
    @Flag(help: "In a table, every number at full precision (csv, json and ndjson always are).") var raw = false
    @Flag(help: "In a table, every column, however wide (default: fit the terminal).") var wide = false
    @Option(help: "Only these columns, in this order: a,b,c.") var columns: String?

    func validate() throws {
        if wide && columns != nil { throw ValidationError("give --wide or --columns, not both") }
        if pickedColumns?.contains(where: \.isEmpty) ?? false || pickedColumns?.isEmpty == true {
            throw ValidationError("--columns: name each column, as a,b,c (got '\(columns ?? "")')")
        }
    }

    /// Prints the pages `produce` gives: a table for a person whole (its columns are sized to every row), csv,
    /// json and ndjson a page at a time, so a tool can read every row of a ledger of any size.
    func printPages(
        standard: [String]? = nil, priority: [String] = [],
        adjusted: (ResultTable) -> ResultTable = { $0 },
        _ produce: ((ResultTable) throws -> Void) throws -> Void
    ) throws {
        guard format != .table else {
            let whole = try ReadModelService.collected(produce)
            return try print(adjusted(whole), standard: standard?.filter(whole.columns.contains), priority: priority)
        }
        let stream = TableStream(try OutputSink(path: nil), format: format)
        try produce { page in try stream.write(try selected(page)) }
        try stream.finish()
    }

    /// The names `--columns` gives, in its order (nil without it).
    var pickedColumns: [String]? {
        columns.map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    /// The columns `--columns` names, in its order (all of them without it).
    private func selected(_ table: ResultTable) throws -> ResultTable {
        guard let names = pickedColumns else { return table }
        if let unknown = names.first(where: { !table.columns.contains($0) }) {
            throw ValidationError("--columns: no column '\(unknown)' (known: \(table.columns.joined(separator: ", ")))")
        }
        return table.selecting(names)
    }

    /// Prints `table`: `standard` is the selection a terminal table shows unless `--wide` or `--columns`.
    /// `priority` (most important first) decides which columns a narrow terminal leaves out first.
    func print(_ table: ResultTable, standard: [String]? = nil, priority: [String] = []) throws {
        var shown = try selected(table)
        if columns == nil, format == .table, !wide, let standard {
            shown = table.selecting(standard)
        }
        guard format == .table, !wide, columns == nil else { return try printLines(shown.lines(format, raw: raw)) }
        let fitted = shown.fitted(width: ResultTable.terminalWidth, raw: raw, priority: priority)
        try printLines(fitted.table.lines(.table, raw: raw))
        if !fitted.dropped.isEmpty {
            StandardError.write(
                "(\(fitted.dropped.count) column\(fitted.dropped.count == 1 ? "" : "s") left out to fit the terminal: \(fitted.dropped.joined(separator: ", ")); --wide shows them, --columns picks them)"
            )
        }
    }
}
