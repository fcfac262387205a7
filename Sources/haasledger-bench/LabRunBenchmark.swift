// `lab-run`: a 1,000-backtest brute-force lab run against a simulator in a child process, so this process's
// CPU time is the client's own (issue 12: ≥ 300 backtests/s recorded with runtimes and metrics).
import Foundation
import HaasAPI
import HaasSimulator
import Ledger

func labRunBenchmark(work: String, haasledger: String) async throws {
    let (simulator, port) = try startChildSimulator(haasledger, arguments: ["--labs", "1", "--backtests", "1"])
    defer {
        simulator.terminate()
        simulator.waitUntilExit()
    }
    let world = SimulatedWorld(configuration: SimulatorConfiguration(labs: 1, backtestsPerLab: 1))
    let client = HaasClientConfiguration(
        server: HaasServer(host: "127.0.0.1", port: port),
        credentials: HaasCredentials(email: world.configuration.email, password: world.configuration.password),
        concurrency: 8)
    let location = LedgerLocation(root: work + "/lab-ledger")
    let service = LabService(location: location)
    let lab = try await service.create(
        scriptID: world.scripts[0].id, name: "bench", accountID: world.accounts[0].id, market: "BINANCE_BTC_USDT_",
        interval: 15, client: client)
    let update = LabUpdate(parameters: [
        try LabParameterSpec(parsing: "Period=5..54"), try LabParameterSpec(parsing: "Stop Loss=1..2.9:0.1"),
    ])
    let cpuBefore = processCPUSeconds()
    let started = ContinuousClock.now
    let summary = try await service.run(
        LabRunRequest(
            client: client, labID: lab.labID, update: update, start: 1_767_225_600, end: 1_772_323_200,
            maxConcurrent: 8, pollInterval: .zero, pageLength: 1_000))
    let seconds = (ContinuousClock.now - started).inSeconds
    let cpu = processCPUSeconds() - cpuBefore
    guard summary.runtimes == 1_000, summary.metrics >= 1_000 else {
        fail("recorded \(summary.runtimes) runtimes and \(summary.metrics) metric sets, not 1,000")
    }
    // The baseline, in the same run: a plain fetch of the same completed lab into a new ledger.
    let fetched = try await FetchService(location: LedgerLocation(root: work + "/lab-fetch-ledger")).run(
        FetchRequest(client: client, labs: .ids([lab.labID]), runtimes: true, pageLength: 1_000))
    try FileManager.default.removeItem(atPath: work + "/lab-ledger")
    try FileManager.default.removeItem(atPath: work + "/lab-fetch-ledger")
    let rate = Double(summary.runtimes) / seconds
    let fetchRate = Double(fetched.runtimesFetched) / fetched.seconds
    print(
        "lab run: a 1,000-backtest brute-force lab (50 × 20 parameters), simulator in a child process, 8 runtimes at once"
    )
    print(row("", "value", ""))
    print(
        row(
            "backtests recorded per second (with metrics)", grouped(rate),
            String(format: "(goal ≥ 300/s: %@)", rate >= 300 ? "met" : "NOT met")))
    print(
        row(
            "fetch of the same completed lab (the baseline)", grouped(fetchRate),
            String(format: "(lab run = %.2f× fetch)", rate / fetchRate)))
    print(
        row(
            "client CPU per backtest (user + system)",
            String(format: "%.2f ms", cpu / Double(summary.runtimes) * 1_000), ""))
    print(String(format: "%.2f s wall, %.2f s client CPU", seconds, cpu))
}
