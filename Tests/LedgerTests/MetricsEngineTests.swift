import BacktestMetrics
import EventLog
import EventLogTesting
import Foundation
import HaasAPI
import HaasSimulator
import JSON
import Ledger
import Testing

@Suite struct MetricsEngineTests {
    let directory: TemporaryDirectory
    let location: LedgerLocation

    init() throws {
        directory = try TemporaryDirectory(prefix: "haasledger-metrics")
        location = LedgerLocation(root: directory.appending("ledger"))
    }

    /// Records the real runtime fixture as a fetch would (body in the blob store), returning the log.
    func recordFixtureRuntime() throws -> EventLog {
        let blob = Blob(try SharedFixtures.bytes("api/get_backtest_runtime_response.json"))
        let log = try location.openLog(create: true)
        try log.append(
            EventDraft(
                stream: "backtest:0e3a5382", type: "haas.backtest.runtime.fetched",
                payload: Payload(
                    .object([
                        ("lab_id", .string("fixture-lab")), ("backtest_id", .string("0e3a5382")),
                        ("body_sha256", .string(blob.hash.hex)),
                    ])),
                blobs: [blob]))
        return log
    }

    @Test(.needsHaasFixtures) func realRuntimeReconcilesWithTheServersROI() throws {
        let log = try recordFixtureRuntime()
        let summary = try MetricsEngine(log: log).compute(formula: "canonical@1")
        #expect(summary.computed == 1)
        let event = try #require(
            try log.read { reader -> RecordedEvent? in
                var found: RecordedEvent?
                try reader.forEachEvent(ofType: "metrics.computed") {
                    found = $0; return false
                }
                return found
            })
        #expect(event.causation == 1)
        let json = try event.payload.json
        let totalReturn = try #require(json["values"]?["total_return"]?.numberValue?.doubleValue)
        #expect(abs(totalReturn * 100 - 50.5465) < 0.00005, "computed ROI \(totalReturn * 100)")
        let reported = try #require(json["reported"])
        let rp = try #require(reported["realized_profits"]?.numberValue?.doubleValue)
        let gp = try #require(reported["gross_profits"]?.numberValue?.doubleValue)
        let fees = try #require(reported["total_fee_costs"]?.numberValue?.doubleValue)
        #expect(abs(gp - fees - rp) < 1e-9)
        #expect(reported["roi_margin"]?.numberValue?.doubleValue == 929.63055)
        // RM is never labelled as a drawdown: no drawdown field anywhere carries its value.
        func drawdownFields(_ value: JSONValue, key: String = "") -> [(String, JSONValue)] {
            switch value {
            case .object(let members): return members.flatMap { drawdownFields($0.value, key: $0.key) }
            case .array(let items): return items.flatMap { drawdownFields($0, key: key) }
            default: return key.contains("drawdown") ? [(key, value)] : []
            }
        }
        for (key, value) in drawdownFields(json) {
            #expect(value.numberValue?.doubleValue != 929.63055, "\(key) carries RM")
        }
        #expect(json["values"]?["max_drawdown"] == .number(0))
        #expect(json["beats_buy_hold"] == .bool(true), "ROI/leverage 2.53 % > PC −0.25 %")
    }

    func fetchedLedger(backtests: Int = 8) async throws -> EventLog {
        let summary = try await withRunningSimulator(
            SimulatorConfiguration(seed: 31, labs: 2, backtestsPerLab: backtests / 2)
        ) { server -> FetchSummary in
            let configuration = HaasClientConfiguration(
                server: HaasServer(host: "127.0.0.1", port: server.port),
                credentials: HaasCredentials(
                    email: server.world.configuration.email, password: server.world.configuration.password),
                retry: RetryPolicy(baseDelay: .zero))
            return try await FetchService(location: location).run(
                FetchRequest(client: configuration, labs: .all, runtimes: true))
        }
        #expect(summary.metricsComputed == backtests)
        return try location.openLog(create: false)
    }

    func metricsEvents(_ log: EventLog, formula: String) throws -> [RecordedEvent] {
        try log.read { reader in
            var events: [RecordedEvent] = []
            try reader.forEachEvent(ofType: "metrics.computed") { event in
                if (try event.payload.json)["formula"] == .string(formula) { events.append(event) }
                return true
            }
            return events
        }
    }

    @Test func fetchComputesTheDefaultFormulaForEachRuntime() async throws {
        let log = try await fetchedLedger()
        let metrics = try metricsEvents(log, formula: "canonical@2")
        #expect(metrics.count == 8)
        for event in metrics {
            let causation = try #require(event.causation)
            let runtime = try #require(try log.read { try $0.event(at: causation) })
            #expect(runtime.type == "haas.backtest.runtime.fetched")
            #expect(runtime.stream == event.stream)
        }
    }

    @Test func recomputeIsIdempotent() async throws {
        let log = try await fetchedLedger()
        let head = try log.read { try $0.head() }
        let again = try MetricsEngine(log: log).compute(formula: "canonical@2")
        #expect(again.computed == 0 && again.alreadyComputed == 8)
        #expect(try log.read { try $0.head() } == head, "nothing was appended")
    }

    @Test func anotherVersionAddsEventsAndLeavesTheOldOnesAlone() async throws {
        let log = try await fetchedLedger()
        let before = try metricsEvents(log, formula: "canonical@2")
        var registry = FormulaRegistry.builtIn
        var parameters = FormulaSet.canonicalV2.parameters
        parameters.ddof = 0
        try registry.register(
            FormulaSet(id: "canonical", version: 9, parameters: parameters, summary: "population std", matches: []))
        let summary = try MetricsEngine(log: log, registry: registry).compute(formula: "canonical@9")
        #expect(summary.computed == 8)
        let v9 = try metricsEvents(log, formula: "canonical@9")
        #expect(v9.count == 8)
        #expect(try metricsEvents(log, formula: "canonical@2") == before, "canonical@2's events are untouched")
        var differing = 0
        for (one, two) in zip(before, v9) {
            #expect(one.causation == two.causation)
            let sharpe1 = try one.payload.json["values"]?["sharpe_ratio"]
            let sharpe2 = try two.payload.json["values"]?["sharpe_ratio"]
            if sharpe1 != sharpe2 { differing += 1 }
        }
        #expect(differing == 8, "a different ddof changes every finite Sharpe")
        #expect(throws: LedgerError.self) { try MetricsEngine(log: log).compute(formula: "canonical@8") }
    }

    @Test func fixtureCheckReportsMatchesMismatchesAndBadFields() throws {
        let vectors = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("BacktestMetricsTests/Vectors/v3_edge_cases.json").path
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: vectors)))
        let check = try FixtureCheck.run(LineSource(name: "v3.json", bytes: bytes), formula: .canonicalV1)
        #expect(check.passed)
        #expect(check.rows.count > 60)
        let altered = String(decoding: bytes, as: UTF8.self).replacingOccurrences(
            of: "\"sortino_ratio\": \"inf\"", with: "\"sortino_ratio\": 1.5")
        let failing = try FixtureCheck.run(
            LineSource(name: "v3.json", bytes: Array(altered.utf8)), formula: .canonicalV1)
        #expect(!failing.passed)
        #expect(failing.rows.contains { !$0.passed && $0.metric == "sortino_ratio" && $0.actual == "+inf" })
        #expect(
            throws: LedgerError.invalidFile(path: "x.json", field: "schema", reason: "expected \"metrics-fixture/1\"")
        ) {
            try FixtureCheck.run(LineSource(name: "x.json", bytes: Array(#"{"cases":[]}"#.utf8)), formula: .canonicalV1)
        }
    }
}
