import EventLog
import EventLogTesting
import Foundation
import HaasSimulator
import JSON
import Testing

/// Golden tests of the built `haasledger` binary. The clock is pinned with HAASLEDGER_CLOCK and ids are
/// given, so every byte of output, hashes included, is reproducible.
@Suite struct CLITests {
    static let clock = ["HAASLEDGER_CLOCK": "2026-11-21T14:00:00Z"]
    static let input = """
        {"stream":"lab:L1","type":"haas.lab.observed","payload":{"name":"ADX lab","backtests":2},"id":"0190f3a0-0000-7000-8000-000000000001"}
        {"stream":"backtest:B1","type":"haas.backtest.result.observed","payload":{"roi":50.5465},"id":"0190f3a0-0000-7000-8000-000000000002","causation":1,"observed_at":"2026-11-20T10:00:00Z"}
        {"stream":"backtest:B1","type":"metrics.computed","payload":{"formula":"canonical@1","sharpe":"undefined"},"id":"0190f3a0-0000-7000-8000-000000000003","expected_version":1}

        """
    static let headHash = "4d746dba90759ecfd2302d69f00b98a3d4d29dc8f06ea9d6b6f4db32a6ba27ab"

    let directory: TemporaryDirectory
    var ledger: String { directory.appending("ledger") }

    init() throws {
        directory = try TemporaryDirectory(prefix: "haasledger-cli")
    }

    func run(
        _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
        workingDirectory: String? = nil
    ) throws -> ChildProcess.Result {
        try ChildProcess.run(
            "haasledger", arguments, stdin: stdin, environment: CLITests.clock.merging(environment) { $1 },
            workingDirectory: workingDirectory)
    }

    func seeded() throws {
        let result = try run(["log", "append", "--ledger", ledger], stdin: CLITests.input)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "appended 3 events (positions 1–3)\n")
    }
}
