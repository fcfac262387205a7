// `sweep`: the ledger's own CPU per sweep trial (sampler, recording, metrics and its HTTP client), with the
// simulator in a child process so this process's CPU is the client's alone (issue 13: ≤ 2 ms per trial with
// 500 trials told; TPE's cost grows with the trials told, so 100, 500 and 2,000). The baseline in the same run
// is plain direct backtests, `backtest run`'s work one recorded run each; the ledger's own share is a sweep's CPU
// less that of a bare client replaying the sweep's starts and polls. Each round runs in a copy of the baseline's
// ledger, which has trained its zstd dictionary on its first 2 MB of bodies as every ledger does once; what that
// training costs a sweep in a new ledger is a row of its own.
import Foundation
import HaasAPI
import HaasSimulator
import Ledger

func sweepBenchmark(work: String, haasledger: String) async throws {
    let requestLog = work + "/sweep-requests.ndjson"
    let (simulator, port) = try startChildSimulator(
        haasledger, arguments: ["--labs", "2", "--backtests", "1", "--request-log", requestLog])
    defer {
        simulator.terminate()
        simulator.waitUntilExit()
    }
    let world = SimulatedWorld(configuration: SimulatorConfiguration(labs: 2, backtestsPerLab: 1))
    guard let script = world.scripts.first(where: { $0.inputs.count == 2 }) else { fail("no two-input script") }
    let client = HaasClientConfiguration(
        server: HaasServer(host: "127.0.0.1", port: port),
        credentials: HaasCredentials(email: world.configuration.email, password: world.configuration.password),
        concurrency: 8)
    let settings = ScriptSettings(market: "BINANCE_BTC_USDT_", accountID: world.accounts[0].id)
    let (start, end): (Int64, Int64) = (1_767_225_600, 1_772_323_200)

    // The baseline: direct backtests one recorded run each (a login, the script's record, the start, the polls,
    // the runtime and its metrics), parameters spread over the same space.
    let plainCount = 200
    let plain = DirectBacktestService(location: LedgerLocation(root: work + "/sweep-plain-ledger"))
    var cpu = processCPUSeconds()
    for index in 0..<plainCount {
        let parameters = [("Period", String(5 + index % 56)), ("Stop Loss", String(Double(5 + index % 56) / 10))]
        var trialSettings = settings
        trialSettings.parameters = parameters
        _ = try await plain.run(
            BacktestRequest(
                client: client, scriptID: script.id, settings: trialSettings, start: start, end: end,
                pollInterval: .zero))
    }
    let plainCPU = (processCPUSeconds() - cpu) / Double(plainCount)
    let template = work + "/sweep-plain-ledger"
    defer { try? FileManager.default.removeItem(atPath: template) }

    print("sweep: TPE over two inputs, 8 trials in flight, simulator in a child process")
    print(row("", "client CPU per trial", ""))
    print(
        row(
            "baseline: \(plainCount) direct backtests, one run each",
            String(format: "%.2f ms", plainCPU * 1_000), ""))
    for trials in [100, 500, 2_000] {
        let definition = SweepDefinition(
            scriptID: script.id, settings: settings, start: start, end: end,
            space: [
                try SweepParameter(flag: "--int", text: "Period=5:60"),
                try SweepParameter(flag: "--real", text: "Stop Loss=0.5:6:0.1"),
            ],
            objective: SweepObjective(metric: "total_return", constraints: ["num_trades>=10"]), sampler: .tpe, seed: 1,
            trials: trials, concurrency: 8, pollInterval: .zero)
        // Three rounds of the sweep and then its bare replay, medians reported: one round's CPU figures move
        // by a fifth from run to run on this VM.
        var rounds: [(perTrial: Double, bare: Double, seconds: Double)] = []
        // The 500-trial sweep once more in a new ledger, which trains its dictionary during the sweep.
        for round in 0..<(trials == 500 ? 4 : 3) {
            let location = LedgerLocation(root: work + "/sweep-\(trials)-ledger")
            if round < 3 { try FileManager.default.copyItem(atPath: template, toPath: location.root) }
            let requestsBefore = try requestLines(requestLog).count
            cpu = processCPUSeconds()
            let started = monotonicSeconds()
            let outcome = try await SweepService(location: location).run(definition, source: "bench", client: client)
            let perTrial = (processCPUSeconds() - cpu) / Double(trials)
            let seconds = monotonicSeconds() - started
            guard outcome.told == trials else { fail("the sweep told \(outcome.told) trials, not \(trials)") }
            try FileManager.default.removeItem(atPath: location.root)
            // The same starts again (new ids) by a bare client: what the server conversation alone costs.
            let starts = RecordedStart.starts(inRequestLog: try requestLines(requestLog)[requestsBefore...])
            guard starts.count == trials else { fail("the request log holds \(starts.count) starts, not \(trials)") }
            let bare = try await bareClientCPU(
                starts, configuration: client, concurrency: 8, firstID: (trials * 10 + round) * 10_000)
            rounds.append((perTrial, bare, seconds))
        }
        let fresh = rounds.count > 3 ? rounds.removeLast() : nil
        let (perTrial, bare, seconds) = (
            median(rounds.map(\.perTrial)), median(rounds.map(\.bare)), median(rounds.map(\.seconds))
        )
        let overhead = median(rounds.map { $0.perTrial - $0.bare })
        let goal = trials == 500 ? String(format: " (goal ≤ 2 ms: %@)", overhead <= 0.002 ? "met" : "NOT met") : ""
        print(
            row(
                "sweep of \(grouped(Double(trials))) trials (\(grouped(Double(trials) / seconds)) trials/s)",
                String(format: "%.2f ms", perTrial * 1_000),
                String(format: "(%.2f× a direct backtest)", perTrial / plainCPU)))
        print(
            row(
                "  bare client: its starts and polls, nothing recorded",
                String(format: "%.2f ms", bare * 1_000), ""))
        print(
            row(
                "  ledger overhead (sampler, recording, metrics)",
                String(format: "%.2f ms", overhead * 1_000),
                String(format: "(%.2f× the bare client)%@", overhead / bare, goal)))
        if let fresh {
            print(
                row(
                    "  the same in a new ledger (trains its dictionary)",
                    String(format: "%.2f ms", fresh.perTrial * 1_000),
                    String(
                        format: "(overhead %.2f ms, the training's share %.2f ms)",
                        (fresh.perTrial - fresh.bare) * 1_000, (fresh.perTrial - fresh.bare - overhead) * 1_000)))
        }
    }
}

private func requestLines(_ path: String) throws -> [Substring] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
}
