// `fetch`: a fetch from the in-process simulator.
import BacktestMetrics
import EventLog
import Foundation
import HaasAPI
import HaasSimulator
import JSON
import Ledger
import Projections

#if canImport(Glibc)
    import Glibc
#endif

/// `fetch`: labs, result pages and runtimes of `backtests` backtests from an in-process simulator into a
/// fresh ledger, through the real client, recorder and log.
func fetchBenchmark(work: String, backtests: Int, concurrency: Int) async throws {
    let labs = max(1, backtests / 1_000)
    let configuration = SimulatorConfiguration(seed: 2026, labs: labs, backtestsPerLab: backtests / labs)
    let server = try await SimulatorServer.start(configuration: configuration)
    let location = LedgerLocation(root: work + "/fetch-ledger")
    let request = FetchRequest(
        client: HaasClientConfiguration(
            server: HaasServer(host: "127.0.0.1", port: server.port),
            credentials: HaasCredentials(email: configuration.email, password: configuration.password),
            concurrency: concurrency),
        labs: .all, runtimes: true, pageLength: 1_000)
    let summary = try await FetchService(location: location).run(request)
    await server.stop()
    guard summary.runtimesFetched == labs * (backtests / labs), summary.failures == 0,
        summary.metricsComputed == summary.runtimesFetched
    else {
        fail(
            "fetched \(summary.runtimesFetched) runtimes, \(summary.metricsComputed) metrics, \(summary.failures) failures"
        )
    }
    let fileBytes = try location.openLog(create: false).stats().fileBytes
    try FileManager.default.removeItem(atPath: work + "/fetch-ledger")
    let rate = Double(summary.runtimesFetched) / summary.seconds
    print(
        "fetch: \(grouped(Double(summary.runtimesFetched))) backtests with runtimes and \(FormulaRegistry.defaultName) metrics from the in-process simulator, concurrency \(concurrency)"
    )
    print(row("", "per second", ""))
    print(
        row(
            "backtests fetched and recorded (result + runtime)", grouped(rate),
            String(format: "(goal ≥ 1,000/s: %@)", rate >= 1_000 ? "met" : "NOT met")))
    print(
        row(
            "MB of response bodies recorded", String(format: "%.1f", Double(summary.bodyBytes) / summary.seconds / 1e6),
            ""))
    print(
        "\(summary.exchanges) HTTP exchanges, \(summary.events) events, \(String(format: "%.1f", Double(summary.bodyBytes) / 1e6)) MB of bodies, \(String(format: "%.1f", Double(fileBytes) / 1e6)) MB data file, \(String(format: "%.2f", summary.seconds)) s"
    )
}
