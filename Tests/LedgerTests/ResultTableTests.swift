import Ledger
import Testing

@Suite struct ResultTableTests {
    let table = ResultTable(
        columns: ["backtest_id", "lab_id", "note", "total_return"],
        rows: [
            [.text("b1"), .text("l1"), .text("comma, \"quote\"\nnewline"), .number(0.25)],
            [.text("b2"), .text("l1"), .null, .text("undefined")],
        ])

    @Test func csvQuotesCommasQuotesAndNewlinesPerRFC4180() {
        #expect(
            table.lines(.csv) == [
                "backtest_id,lab_id,note,total_return",
                "b1,l1,\"comma, \"\"quote\"\"\nnewline\",0.25",
                "b2,l1,,undefined",
            ])
    }

    @Test func jsonKeepsColumnOrderAndTypes() {
        #expect(
            table.lines(.ndjson)[0]
                == #"{"backtest_id":"b1","lab_id":"l1","note":"comma, \"quote\"\nnewline","total_return":0.25}"#)
        #expect(table.lines(.json) == ["[" + table.lines(.ndjson).joined(separator: ",") + "]"])
        #expect(table.lines(.ndjson)[1].contains(#""note":null,"total_return":"undefined""#))
    }

    @Test func selectingKeepsTheOrderAsked() {
        #expect(
            table.selecting(["total_return", "backtest_id", "missing"]).columns == ["total_return", "backtest_id"])
    }
}
