/// A table written a page at a time in a format for tools, byte for byte as `ResultTable.lines` writes the
/// whole table: the CSV header once, a JSON array on one line, or NDJSON.
public final class TableStream {
    private let sink: OutputSink
    private let format: ResultTable.Format
    private var started = false
    private var rowsWritten = 0

    /// `format` is csv, json or ndjson (a table for a person needs every row to size its columns).
    public init(_ sink: OutputSink, format: ResultTable.Format) {
        precondition(format != .table, "a table is printed whole")
        self.sink = sink
        self.format = format
    }

    /// Writes a page; the first page's columns are the header.
    public func write(_ page: ResultTable) throws {
        if !started {
            started = true
            switch format {
            case .csv: try sink.writeLine(page.csvHeader)
            case .json: try sink.write("[")
            case .table, .ndjson: break
            }
        }
        switch format {
        case .csv: for record in page.csvRecords { try sink.writeLine(record) }
        case .json:
            for row in page.rows {
                try sink.write((rowsWritten > 0 ? "," : "") + page.object(row))
                rowsWritten += 1
            }
        case .table, .ndjson: for row in page.rows { try sink.writeLine(page.object(row)) }
        }
    }

    /// Ends the output (a JSON array's bracket) and finishes the sink.
    public func finish() throws {
        if format == .json { try sink.writeLine(started ? "]" : "[]") }
        try sink.finish()
    }
}
