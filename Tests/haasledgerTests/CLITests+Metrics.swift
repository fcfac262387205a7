import EventLog
import EventLogTesting
import Foundation
import HaasSimulator
import JSON
import Testing

extension CLITests {
    static var vectors: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("BacktestMetricsTests/Vectors").path
    }

    @Test func metricsCheckFormulasAndRecompute() throws {
        let check = try run(["metrics", "check", CLITests.vectors + "/v1_crypto_daily_long_short.json"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.hasSuffix("32 of 32 values match canonical@2 (the default)\n"))
        let chosen = try run(
            ["metrics", "check", CLITests.vectors + "/v1_crypto_daily_long_short.json"],
            environment: ["HAASLEDGER_FORMULA": "canonical@1"])
        #expect(chosen.stdout.hasSuffix("32 of 32 values match canonical@1 (from HAASLEDGER_FORMULA)\n"))
        let flagged = try run(
            ["metrics", "check", CLITests.vectors + "/v1_crypto_daily_long_short.json", "--formula", "canonical@1"],
            environment: ["HAASLEDGER_FORMULA": "canonical@2"])
        #expect(flagged.stdout.hasSuffix("32 of 32 values match canonical@1 (from --formula)\n"))
        #expect(check.stdout.contains("v1_crypto_daily_long_short  sharpe_ratio"))
        let edge = try run(["metrics", "check", CLITests.vectors + "/v3_edge_cases.json"])
        #expect(edge.status == 0)
        #expect(edge.stdout.contains("sortino_ratio") && edge.stdout.contains("+inf"))

        let altered = directory.appending("altered.json")
        let text = try String(contentsOfFile: CLITests.vectors + "/v1_crypto_daily_long_short.json", encoding: .utf8)
            .replacingOccurrences(of: "\"sharpe_ratio\": 3.062046731", with: "\"sharpe_ratio\": 3.1")
        try text.write(toFile: altered, atomically: true, encoding: .utf8)
        let mismatch = try run(["metrics", "check", altered])
        #expect(mismatch.status == 1)
        #expect(mismatch.stdout.contains("MISMATCH"))

        let malformed = directory.appending("malformed.json")
        try
            #"{"schema":"metrics-fixture/1","cases":[{"case_id":"a","inputs":{"equity":[{"t":"2024-01-01T00:00:00","value":"x"}]}}]}"#
            .write(toFile: malformed, atomically: true, encoding: .utf8)
        let bad = try run(["metrics", "check", malformed])
        #expect(bad.status == 2)
        #expect(bad.stderr == "error: \(malformed): cases[0].inputs.equity[0].value: expected a number\n")
        let unknown = try run(["metrics", "check", malformed, "--formula", "canonical@7"])
        #expect(unknown.status == 2)
        let unknownInEnvironment = try run(
            ["metrics", "check", CLITests.vectors + "/v1_crypto_daily_long_short.json"],
            environment: ["HAASLEDGER_FORMULA": "canonical@7"])
        #expect(unknownInEnvironment.status == 2)
        #expect(unknownInEnvironment.stderr.hasPrefix("error: HAASLEDGER_FORMULA: unknown formula canonical@7"))

        let formulas = try run(["metrics", "formulas"])
        #expect(formulas.stdout.hasPrefix("canonical@1 — "))
        #expect(formulas.stdout.contains("\ncanonical@2 (default for new ledgers) — "))
        #expect(formulas.stdout.contains("    ddof: 1\n"))
        #expect(formulas.stdout.contains("  changed from canonical@1:\n    exposure: bars that end with a position"))

        let missing = try run(["metrics", "recompute", "--ledger", ledger])
        #expect(missing.status == 2)
    }
}

extension CLITests {
    /// The demo ends with the formula upgrade a user of a canonical@1 ledger makes: recompute under canonical@2
    /// and see what moved. That part of its output is deterministic (seeded simulator) and kept as a golden;
    /// `HAASLEDGER_WRITE_GOLDENS=1` rewrites it.
    @Test func theDemoShowsWhatTheFormulaChangeMoved() throws {
        let demo = try run(["demo", "--ledger", directory.appending("demo"), "--labs", "2", "--backtests", "6"])
        #expect(demo.status == 0, "\(demo.stderr)")
        let marker = "metrics recompute --formula canonical@2:"
        let section = try #require(
            demo.stdout.range(of: marker).map { start in
                let end = demo.stdout.range(of: "\n\nproducing results on the simulator")?.lowerBound ?? demo.stdout.endIndex
                return String(demo.stdout[start.lowerBound..<end]) + "\n"
            })
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Goldens/demo-formula-diff.txt")
        if ProcessInfo.processInfo.environment["HAASLEDGER_WRITE_GOLDENS"] == "1" {
            try section.write(to: golden, atomically: true, encoding: .utf8)
        }
        #expect(section == (try String(contentsOf: golden, encoding: .utf8)))
        #expect(section.contains("exposure"))
    }
}
