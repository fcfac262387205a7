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
        #expect(check.stdout.hasSuffix("32 of 32 values match canonical@1\n"))
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

        let formulas = try run(["metrics", "formulas"])
        #expect(formulas.stdout.hasPrefix("canonical@1 (default) — "))
        #expect(formulas.stdout.contains("    ddof: 1\n"))

        let missing = try run(["metrics", "recompute", "--ledger", ledger])
        #expect(missing.status == 2)
    }
}
