import BacktestMetrics
import EventLog
import Foundation
import HaasAPI
import HaasSimulator
import JSON
import Projections

/// The demo's last step: producing results instead of observing them — a direct backtest, a 3 × 3 brute-force
/// lab run and a TPE sweep on a fresh simulator, all recorded like everything else.
extension DemoService {
    /// The header the step starts with (tests cut the demo's output at it).
    public static let productionHeader = "producing results on the simulator (backtest run, lab run, sweep run):"

    func produce(_ configuration: SimulatorConfiguration, output: OutputSink) async throws {
        let server = try await SimulatorServer.start(configuration: configuration)
        do {
            try await produce(on: server, output: output)
            await server.stop()
        } catch {
            await server.stop()
            throw error
        }
    }

    private func produce(on server: SimulatorServer, output: OutputSink) async throws {
        let world = server.world
        let client = HaasClientConfiguration(
            server: HaasServer(host: "127.0.0.1", port: server.port),
            credentials: HaasCredentials(email: world.configuration.email, password: world.configuration.password))
        let script = world.scripts[0]
        let account = world.accounts[0].id
        let (start, end): (Int64, Int64) = (1_767_225_600, 1_772_323_200)  // 2026-01-01 to 2026-03-01
        let formulas = FormulaChoice(chosen: (FormulaRegistry.defaultName, "demo"))
        try output.writeLine(Self.productionHeader)
        // The id derives from the seed: the demo run again follows this backtest instead of starting another.
        let id = EventID.derived(from: "demo backtest \(world.configuration.seed)").description
        let outcome = try await DirectBacktestService(location: location, clock: clock).run(
            BacktestRequest(
                client: client, scriptID: script.id,
                settings: ScriptSettings(
                    market: "BINANCE_BTC_USDT_", accountID: account, parameters: [("Period", "20")]),
                start: start, end: end, backtestID: id, pollInterval: .zero, formulas: formulas))
        let values = outcome.metrics.first { $0.formula == FormulaRegistry.defaultName }?.values
        let headline = ["total_return", "sharpe_ratio", "num_trades"].compactMap { name -> String? in
            guard let value = values?[name] else { return nil }
            return
                "\(name) \(ReadableNumbers.text(BacktestPresentation.cell(value), style: ReadableNumbers.style(ofColumn: name)))"
        }
        try output.writeLine(
            "backtest run --script '\(script.name)' --param Period=20: \(outcome.phase) after \(outcome.polls) status polls; \(headline.joined(separator: ", ")); script version \(outcome.scriptVersion.map { String($0.prefix(12)) } ?? "unknown")"
        )
        let labs = LabService(location: location, clock: clock)
        let lab = try await labs.create(
            scriptID: script.id, name: "demo grid", accountID: account, market: "BINANCE_BTC_USDT_", interval: 15,
            client: client)
        let summary = try await labs.run(
            LabRunRequest(
                client: client, labID: lab.labID,
                update: LabUpdate(parameters: [
                    try LabParameterSpec(parsing: "Period=10..30:10"), try LabParameterSpec(parsing: "Stop Loss=1,2,3"),
                ]), start: start, end: end, pollInterval: .zero, formulas: formulas))
        try output.writeLine(
            "lab run --param Period=10..30:10 --param 'Stop Loss=1,2,3': \(summary.completed) of \(summary.scheduled) backtests completed, \(summary.runtimes) runtimes and \(summary.metrics) metric sets recorded; top 3:"
        )
        let top = try ReadModelService(location: location).backtests(
            BacktestQuery(lab: lab.labID, formula: FormulaRegistry.defaultName, sort: "total_return", limit: 3),
            at: .now)
        for line in top.selecting([
            "backtest_id", "parameters", "total_return", "max_drawdown", "sharpe_ratio", "num_trades",
        ])
        .lines(.table) {
            try output.writeLine(line)
        }
        try await sweep(on: server, script: world.scripts.first { $0.inputs.count == 2 } ?? script, output: output)
    }

    /// A 16-trial TPE sweep over the script's two inputs; its id derives from the seed, so the demo run again
    /// shows the sweep it ran instead of starting another.
    private func sweep(on server: SimulatorServer, script: SimulatedWorld.Script, output: OutputSink) async throws {
        let world = server.world
        let client = HaasClientConfiguration(
            server: HaasServer(host: "127.0.0.1", port: server.port),
            credentials: HaasCredentials(email: world.configuration.email, password: world.configuration.password))
        let definition = SweepDefinition(
            scriptID: script.id, settings: ScriptSettings(market: "BINANCE_BTC_USDT_", accountID: world.accounts[0].id),
            start: 1_767_225_600, end: 1_772_323_200,
            space: try script.inputs.map { input in
                try SweepParameter(
                    name: input.name,
                    domain: .real(low: input.minimum, high: input.maximum, step: input.step, log: false), field: "demo")
            },
            objective: SweepObjective(metric: "total_return", constraints: ["num_trades>=10"]), sampler: .tpe,
            seed: world.configuration.seed, startupTrials: 6, trials: 16, concurrency: 2, pollInterval: .zero)
        let id = EventID.derived(from: "demo sweep \(world.configuration.seed)").description
        let service = SweepService(location: location, clock: clock)
        // Read, and the log closed again, before the sweep opens it to record.
        let exists = try SweepRecord.read(id, in: try location.openLog(create: false, clock: clock)).definition != nil
        let outcome =
            exists
            ? try await service.resume(sweepID: id, client: client)
            : try await service.run(definition, source: "demo", client: client, sweepID: id)
        try output.writeLine(
            "sweep run --sampler tpe --trials 16 over \(script.inputs.map(\.name).joined(separator: " and ")), max total_return where num_trades>=10:"
        )
        for line in SweepPresentation.lines(outcome, json: false) { try output.writeLine("  " + line) }
    }
}
