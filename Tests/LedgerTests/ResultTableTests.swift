import Foundation
import Ledger
import Testing

@Suite struct ResultTableTests {
    let table = ResultTable(
        columns: ["backtest_id", "lab_id", "note", "total_return"],
        rows: [
            [.text("b1"), .text("l1"), .text("comma, \"quote\"\nnewline"), .number(0.25)],
            [.text("b2"), .text("l1"), .null, .nonNumber("undefined")],
        ])

    @Test func csvQuotesCommasQuotesAndNewlinesPerRFC4180() {
        #expect(
            table.lines(.csv) == [
                "backtest_id,lab_id,note,total_return",
                "b1,l1,\"comma, \"\"quote\"\"\nnewline\",0.25",
                "b2,l1,,",
            ])
    }

    @Test func jsonKeepsColumnOrderAndTypes() {
        #expect(
            table.lines(.ndjson)[0]
                == #"{"backtest_id":"b1","lab_id":"l1","note":"comma, \"quote\"\nnewline","total_return":0.25}"#)
        #expect(table.lines(.json) == ["[" + table.lines(.ndjson).joined(separator: ",") + "]"])
        #expect(table.lines(.ndjson)[1].contains(#""note":null,"total_return":null,"total_return_reason":"undefined""#))
    }

    /// A table written a page at a time (every row of a large query) reads exactly as the whole table does,
    /// with an empty first page as the services send it, and with no row at all.
    @Test(arguments: [ResultTable.Format.csv, .json, .ndjson])
    func pagesWriteTheBytesOfTheWholeTable(format: ResultTable.Format) throws {
        let directory = NSTemporaryDirectory() + "haasledger-stream-\(format)-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func streamed(_ pages: [ResultTable]) throws -> String {
            let path = directory + "/out"
            let stream = TableStream(try OutputSink(path: path), format: format)
            for page in pages { try stream.write(page) }
            try stream.finish()
            return try String(contentsOfFile: path, encoding: .utf8)
        }
        func page(_ rows: [[ResultTable.Cell]]) -> ResultTable { ResultTable(columns: table.columns, rows: rows) }
        let whole = table.lines(format).map { $0 + "\n" }.joined()
        #expect(try streamed([page([]), page([table.rows[0]]), page([]), page([table.rows[1]])]) == whole)
        #expect(try streamed([table]) == whole)
        let empty = page([]).lines(format).map { $0 + "\n" }.joined()
        #expect(try streamed([page([])]) == empty)
    }

    @Test func selectingKeepsTheOrderAsked() {
        #expect(
            table.selecting(["total_return", "backtest_id", "missing"]).columns == ["total_return", "backtest_id"])
    }

    /// Tables are for people (issue 14 §3): returns and rates as percentages, other numbers to four significant
    /// digits with thousands separated, counts whole, positions as typed back; `raw` keeps full precision.
    @Test func tablesShowReadableNumbersAndRawKeepsThemExact() {
        let metrics = ResultTable(
            columns: [
                "backtest_id", "valid_from", "total_return", "sharpe_ratio", "net_profit", "num_trades",
                "profit_factor", "total_return_delta", "tiny",
            ],
            rows: [
                [
                    .text("b1"), .integer(123_456), .number(0.113956705), .number(3.062046731), .number(-12_345.678),
                    .number(25), .nonNumber("+inf"), .number(-0.0005), .number(0.0000123456),
                ]
            ])
        #expect(
            metrics.lines(.table)[1].split(separator: " ", omittingEmptySubsequences: true).map(String.init) == [
                "b1", "123456", "11.40", "%", "3.062", "-12,346", "25", "+inf", "-0.05", "%", "1.235e-5",
            ])
        #expect(
            metrics.lines(.table, raw: true)[1].split(separator: " ").map(String.init) == [
                "b1", "123456", "0.113956705", "3.062046731", "-12345.678", "25", "+inf", "-0.0005", "1.23456e-5",
            ])
        // CSV and JSON stay exact whatever the table shows.
        #expect(metrics.lines(.csv)[1] == "b1,123456,0.113956705,3.062046731,-12345.678,25,inf,-0.0005,1.23456e-5")
        #expect(metrics.lines(.ndjson)[0].contains(#""profit_factor":null,"profit_factor_reason":"+inf""#))
    }

    @Test func csvSpellsInfinitiesAsPandasReadsThem() {
        let special = ResultTable(
            columns: ["a", "b", "c"], rows: [[.nonNumber("+inf"), .nonNumber("-inf"), .nonNumber("undefined")]])
        #expect(special.lines(.csv) == ["a,b,c", "inf,-inf,"])
        #expect(special.lines(.table)[1].hasPrefix("+inf"))
    }

    @Test func statusesTimesAndSizesReadAsNamesISOTimesAndUnits() {
        let labs = ResultTable(
            columns: ["status", "recorded_at", "bytes", "progress"],
            rows: [[.integer(3), .integer(1_764_633_600_000_000), .integer(2_345_678), .number(42.5)]],
            displays: ["status": .labStatus, "recorded_at": .microseconds, "bytes": .bytes, "progress": .percent])
        #expect(
            labs.lines(.table)[1].split(separator: " ").map(String.init)
                == ["COMPLETED", "2025-12-02T00:00:00Z", "2.3", "MB", "42.50", "%"])
        #expect(labs.lines(.csv)[1] == "3,1764633600000000,2345678,42.5", "tools get the stored values")
        #expect(labs.selecting(["status"]).lines(.table)[1] == "COMPLETED")
    }
}
