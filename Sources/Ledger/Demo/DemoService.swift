import BacktestMetrics
import EventLog
import Foundation
import HaasAPI
import HaasSimulator
import Projections

/// `haasledger demo`: fetch from an in-process simulator, verify, show the top 10; let the server re-run some
/// backtests, fetch again and show what changed; then recompute under the current formula set and show what the
/// formula change moved; last, run a backtest and a lab on the simulator. Everything a user would run by hand,
/// in one use case.
///
/// The fetches record under `canonical@1`, as a ledger made before `canonical@2` shipped would hold, so the
/// last step is the upgrade a user of such a ledger makes.
public struct DemoService {
    public let location: LedgerLocation
    public let clock: any LedgerClock

    public init(location: LedgerLocation, clock: any LedgerClock) {
        self.location = location
        self.clock = clock
    }

    public func run(
        _ settings: SimulatorSettings, produce producing: Bool = true, output: OutputSink,
        progress: (@Sendable (FetchProgress) -> Void)? = nil
    ) async throws {
        var configuration = try settings.configuration
        _ = try await fetch(configuration, refresh: false, output: output, progress: progress)
        let first = Self.recordedUnder.name
        let between = try location.openLog(create: false).read { try $0.head()?.position ?? 0 }
        try verify(output: output)

        let service = ReadModelService(location: location)
        try output.writeLine(
            "top 10 backtests by computed total return (\(first); E0 = RM, so ×100 = the server's ROI):")
        let top = try service.backtests(BacktestQuery(formula: first, sort: "total_return", limit: 10), at: .now)
        for line in top.selecting([
            "backtest_id", "market", "total_return", "max_drawdown", "sharpe_ratio", "win_rate", "num_trades",
        ]).lines(.table) { try output.writeLine(line) }

        configuration.revision += 1
        try output.writeLine("")
        try output.writeLine(
            "the server re-runs some backtests (revision \(configuration.revision)); fetching again with --refresh:")
        _ = try await fetch(configuration, refresh: true, output: output, progress: progress)
        let diff = try service.diff(from: .position(between), to: .now, lab: nil, formula: first)
        try output.writeLine("diff between the two fetches (\(diff.rows.count) backtests changed; rank by total return):")
        for line in diff.selecting([
            "change", "backtest_id", "rank_from", "rank_to", "total_return", "total_return_delta", "sharpe_ratio_delta",
        ]).lines(.table).prefix(16) { try output.writeLine(line) }
        try output.writeLine("")
        try formulaChange(from: first, output: output)
        guard producing else { return }
        try output.writeLine("")
        try await produce(configuration, output: output)
    }

    /// What `canonical@1` recorded, recomputed under the built-in default, and what moved.
    private func formulaChange(from first: String, output: OutputSink) throws {
        let second = FormulaRegistry.defaultName
        let summaries = try MetricsService(location: location, clock: clock)
            .recompute(FormulaChoice(chosen: (second, "--formula")), lab: nil)
        try output.writeLine(
            "metrics recompute --formula \(second): \(summaries.reduce(0) { $0 + $1.computed }) runtimes computed; what the formula change moved (diff --formula \(first) --formula \(second) --summary):"
        )
        for change in FormulaRegistry.builtIn.find(second)?.changes ?? [] {
            try output.writeLine("  \(change.metric): \(change.why)")
        }
        let service = ReadModelService(location: location)
        for line in try service.diffSummary(formulas: first, second, at: .now, lab: nil).lines(.table) {
            try output.writeLine(line)
        }
        try output.writeLine("the largest moves (diff --formula \(first) --formula \(second)):")
        let moves = try service.diff(formulas: first, second, at: .now, lab: nil).byMagnitude(of: "delta")
        let shown = moves.selecting(["backtest_id", "metric", first, second, "delta", "rank_from", "rank_to"])
        for line in shown.lines(.table).prefix(12) { try output.writeLine(line) }
    }

    /// What the demo's fetches record under: the formula set a ledger made before `canonical@2` would hold.
    static let recordedUnder = FormulaSet.canonicalV1

    /// Verifies the chain and prints the ledger's overview. The log is closed again before the read models open it.
    private func verify(output: OutputSink) throws {
        let log = try location.openLog(create: false)
        let report = try log.verify()
        guard report.isValid, let head = report.head else {
            throw LedgerError.integrity(VerifyPresentation.failureSummary(report))
        }
        try output.writeLine(
            "verify: ok — \(report.eventsChecked) events and \(report.blobsChecked) blobs checked; head \(head.position) \(head.hash.hex)"
        )
        try output.writeLine("")
        for line in try LedgerOverview.read(log).lines { try output.writeLine(line) }
    }

    private func fetch(
        _ configuration: SimulatorConfiguration, refresh: Bool, output: OutputSink,
        progress: (@Sendable (FetchProgress) -> Void)?
    ) async throws -> FetchSummary {
        let server = try await SimulatorServer.start(configuration: configuration)
        do {
            try output.writeLine(
                "simulator: http://127.0.0.1:\(server.port) (seed \(configuration.seed), \(configuration.labs) labs × \(configuration.backtestsPerLab) backtests, revision \(configuration.revision))"
            )
            let request = FetchRequest(
                client: HaasClientConfiguration(
                    server: HaasServer(host: "127.0.0.1", port: server.port),
                    credentials: HaasCredentials(email: configuration.email, password: configuration.password)),
                labs: .all, runtimes: true, refresh: refresh,
                formulas: FormulaChoice(chosen: (Self.recordedUnder.name, "demo")))
            let summary = try await FetchService(location: location, clock: clock).run(request, progress: progress)
            await server.stop()
            try output.writeLine("ledger: \(location.root)")
            try output.writeLine(
                "fetched \(summary.labs) labs, \(summary.backtests) backtests, \(summary.runtimesFetched) runtimes (\(summary.runtimesSkipped) already recorded) in \(String(format: "%.2f", summary.seconds)) s over \(summary.exchanges) HTTP exchanges; \(summary.failures) failures"
            )
            return summary
        } catch {
            await server.stop()
            throw error
        }
    }
}
