import JSON
import Testing

@testable import Ledger

@Suite struct LabSpecTests {
    @Test(arguments: [
        ("Period=10..30:10", ["10", "20", "30"]), ("Period=5..7", ["5", "6", "7"]),
        ("Stop Loss=1..1.3:0.1", ["1.0", "1.1", "1.2", "1.3"]), ("Stop Loss=1,2.5, 4", ["1", "2.5", "4"]),
        ("Period=8..8:3", ["8"]),
    ])
    func rangesAndListsBecomeOptions(text: String, options: [String]) throws {
        #expect(try LabParameterSpec(parsing: text).options == options)
    }

    @Test(arguments: [
        ("Period", "expected KEY=a..b:step"), ("=1,2", "expected KEY=a..b:step"),
        ("Period=30..10", "the range must go up"), ("Period=1..9:0", "the step must be a number above 0"),
        ("Period=a..b", "expected a..b:step with numbers"), ("Period=1,,2", "without empty values"),
        ("Period=0..1000000:1", "at most 10000"),
    ])
    func badSpecsNameTheFlag(text: String, reason: String) {
        #expect {
            _ = try LabParameterSpec(parsing: text)
        } throws: { error in
            String(describing: error).hasPrefix("--param") && String(describing: error).contains(reason)
        }
    }

    @Test func configKeysAreTheLabsFive() throws {
        let config = try LabConfigSpec(parsing: "MP=20,mg=5, AR=10")
        #expect(config.values.map(\.key) == ["MP", "MG", "AR"])
        #expect(
            throws: LedgerError.invalidArgument(
                flag: "--config", reason: "'XX' is not a lab setting (known: MP, MG, ME, MR, AR)")
        ) {
            _ = try LabConfigSpec(parsing: "XX=1")
        }
    }

    /// The full list goes back with only the given options replaced: a parameter left out would be removed.
    @Test func theParameterListKeepsWhatIsNotChanged() throws {
        let current = try JSONParser.parse(
            #"[{"K":"Period","O":["20"],"I":true},{"K":"Stop Loss","O":["2"],"I":true}]"#)
        let update = LabUpdate(parameters: [try LabParameterSpec(parsing: "Period=10,20")])
        #expect(
            try update.parameterList(current)
                == JSONParser.parse(#"[{"K":"Period","O":["10","20"],"I":true},{"K":"Stop Loss","O":["2"],"I":true}]"#))
    }
}
