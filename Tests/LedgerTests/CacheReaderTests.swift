import Testing

@testable import Ledger

/// The small readers behind `import`: pydantic reprs and pyHaasAPI's CSV reports.
@Suite struct CacheReaderTests {
    @Test func reprReadsTopLevelPairsOnly() throws {
        let text =
            "record_id=7 lab_id='L1' backtest_id='B\\'1' generation_idx=3 population_idx=None "
            + "settings=HaasScriptSettings(account_id='A1', lab_id='nested', leverage=20.0) "
            + "parameters={'a b': 'x=y', 'c': \"it's\"} raw=<pyHaasAPI.X object at 0x110709b10> roi=1.5"
        let pairs = try #require(PydanticRepr.pairs(text))
        #expect(
            pairs.map(\.name) == [
                "record_id", "lab_id", "backtest_id", "generation_idx", "population_idx", "settings", "parameters",
                "raw",
                "roi",
            ])
        #expect(pairs[0].value == .integer(7))
        #expect(pairs[1].value == .string("L1"))
        #expect(pairs[2].value == .string("B'1"))
        #expect(pairs[4].value == .none)
        #expect(pairs[8].value == .other("1.5"))
        // Unbalanced quotes or brackets: not a repr, nothing is guessed.
        #expect(PydanticRepr.pairs("lab_id='L1 backtest_id='B1'x") == nil)
        #expect(PydanticRepr.pairs("settings=Settings(a=1") == nil)
        #expect(PydanticRepr.pairs("just text") == nil)
    }

    @Test func csvQuotingAndErrors() throws {
        let records = try CSVReader.records(Array("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n1,,3".utf8))
        #expect(records == [["a", "b", "c"], ["x, y", "say \"hi\"", "two\nlines"], ["1", "", "3"]])
        #expect(throws: CSVReader.Failure(line: 2, reason: "a quoted field is never closed (truncated file?)")) {
            try CSVReader.records(Array("a,b\n\"open,2\n".utf8))
        }
        #expect(throws: CSVReader.Failure(line: 1, reason: "text after a closing quote")) {
            try CSVReader.records(Array("\"a\"b,c\n".utf8))
        }
    }
}
