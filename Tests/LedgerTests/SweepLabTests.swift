import EventLog
import EventLogTesting
import Foundation
import HaasAPI
import HaasSimulator
import JSON
import Testing

@testable import Ledger

/// Sweeps whose trials run as lab runs (issue 13, `runner = "labs"`): each trial one run of one lab, its
/// start recorded with the trial, never started twice across a stop and a resume.
@Suite struct SweepLabTests {
    /// The direct sweeps' suite, for its temporary folder, client and service.
    let base: SweepTests

    init() throws { base = try SweepTests() }

    var directory: TemporaryDirectory { base.directory }
    func client(_ server: SimulatorServer) -> HaasClientConfiguration { base.client(server) }
    func service(_ name: String) -> SweepService { base.service(name) }

    /// Two labs of the two-input script, made through the API as a user would, and a grid over both inputs.
    func labGrid(_ server: SimulatorServer, ledger: String, trials: Int? = nil) async throws -> SweepDefinition {
        let script = try #require(server.world.scripts.first { $0.inputs.count == 2 })
        var labs = LabService(location: LedgerLocation(root: directory.appending(ledger)), clock: ManualClock())
        labs.writerPolicy = .failAtOnce
        var ids: [String] = []
        for index in 0..<2 {
            ids.append(
                try await labs.create(
                    scriptID: script.id, name: "sweep lab \(index)", accountID: server.world.accounts[0].id,
                    market: "BINANCE_BTC_USDT_", interval: 15, client: client(server)
                ).labID)
        }
        return SweepDefinition(
            scriptID: script.id, settings: ScriptSettings(market: "", accountID: ""), start: 1_767_225_600,
            end: 1_772_323_200,
            space: [
                try SweepParameter(flag: "--int", text: "Period=10:40:10"),
                try SweepParameter(flag: "--choice", text: "Stop Loss=1,2.5"),
            ],
            objective: SweepObjective(metric: "total_return"), sampler: .grid, seed: 5, trials: trials,
            concurrency: 2, pollInterval: .zero, labs: ids)
    }

    @Test func aGridRunsEachTrialAsOneLabRunWithItsOwnBacktest() async throws {
        try await SimulatorServer.withRunning(
            SimulatorConfiguration(seed: 71, labs: 1, backtestsPerLab: 1, pollsToComplete: 1)
        ) { server in
            let definition = try await labGrid(server, ledger: "grid", trials: 50)
            let outcome = try await service("grid").run(definition, source: "test", client: client(server))
            #expect(outcome.told == 8)
            #expect(outcome.finished == "grid exhausted")
            let log = try LedgerLocation(root: directory.appending("grid")).openLog(create: false)
            let record = try SweepRecord.read(outcome.sweepID, in: log)
            #expect(Set(record.trials.map(\.backtestID)).count == 8)
            for trial in record.trials {
                #expect(trial.state == "complete")
                let backtest = try DirectBacktestRecord.read(trial.backtestID, in: log)
                let values = try #require(backtest.metrics.first { $0.formula == "canonical@2" }?.values)
                #expect(StoredMetric.orderable(values["total_return"]) == StoredMetric.orderable(trial.objective))
            }
            // Trial n ran on lab n mod 2, with exactly its inputs: each lab's updates in the order of its trials.
            let starts = server.receivedRequests.filter { $0.channel == "START_LAB_EXECUTION" }
            #expect(starts.count == 8)
            let updates = server.receivedRequests.filter { $0.channel == "UPDATE_LAB_DETAILS" }
            #expect(updates.count == 8)
            for (lab, labID) in definition.labs.enumerated() {
                let trials = record.trials.filter { $0.number % 2 == lab }
                let sentToLab = updates.filter { $0.parameters["labid"] == labID }
                #expect(sentToLab.count == trials.count)
                for (update, trial) in zip(sentToLab, trials) {
                    try expectInputs(update, trial)
                }
            }
        }
    }

    func expectInputs(_ update: ReceivedRequest, _ trial: SweepRecord.Trial) throws {
        let index = trial.number
        let sent = try JSONParser.parse(update.parameters["parameters"] ?? "[]")
        guard case .array(let items) = sent, case .object(let chosen) = trial.parameters else {
            Issue.record("parameters: \(sent)")
            return
        }
        for (name, value) in chosen {
            let options = items.first { $0["K"]?.stringValue == name }?["O"]
            #expect(options == .array([.string(SweepParameter.text(value))]), "\(name) of trial \(index)")
        }
    }

    @Test func aStoppedLabSweepResumesWithoutStartingARunTwice() async throws {
        try await SimulatorServer.withRunning(
            SimulatorConfiguration(seed: 72, labs: 1, backtestsPerLab: 1, pollsToComplete: 3)
        ) { server in
            let definition = try await labGrid(server, ledger: "resumed", trials: 6)
            var interrupted = service("resumed")
            interrupted.stopRequest = StopRequest()
            let stop = interrupted.stopRequest
            let sweepID = "5d1e0c4b-8a8e-4c36-9d55-0f3a7d2c1b9e"
            await #expect(throws: LedgerError.self) {
                _ = try await interrupted.run(
                    definition, source: "test", client: client(server), sweepID: sweepID,
                    progress: { if $0.told >= 3 { stop.request() } })
            }
            do {
                let log = try LedgerLocation(root: directory.appending("resumed")).openLog(create: false)
                let told = try SweepRecord.read(sweepID, in: log).told.count
                #expect(told >= 3 && told < 6)
            }
            let outcome = try await service("resumed").resume(sweepID: sweepID, client: client(server))
            #expect(outcome.told == 6)
            #expect(outcome.finished == "budget")
            #expect(server.receivedRequests.filter { $0.channel == "START_LAB_EXECUTION" }.count == 6)
            #expect(server.receivedRequests.filter { $0.channel == "CANCEL_LAB_EXECUTION" }.isEmpty)
        }
    }

    /// The runner's keys in a definition file: each mistake names its key, and the recorded form reads back.
    @Test func aDefinitionNamesItsLabsOrSaysWhichKeyIsWrong() throws {
        let base: [(key: String, value: JSONValue)] = [
            ("script", .string("S")), ("from", .number(1_767_225_600)), ("to", .number(1_772_323_200)),
            ("parameters", .object([("Period", .object([("int", .array([.number(5), .number(60)]))]))])),
            ("objective", .object([("metric", .string("total_return"))])),
            ("budget", .object([("trials", .number(4))])),
        ]
        func load(_ extra: [(key: String, value: JSONValue)]) throws -> SweepDefinition {
            let kept = base.filter { member in !extra.contains { $0.key == member.key } }
            let definition = try SweepDefinition(json: .object(kept + extra), source: "sweep.json")
            try definition.validate(source: "sweep.json")
            return definition
        }
        func field(_ extra: [(key: String, value: JSONValue)]) -> String? {
            do {
                _ = try load(extra)
                return nil
            } catch LedgerError.invalidFile(_, let field, _) {
                return field
            } catch {
                return "\(error)"
            }
        }
        let labs = try load([("runner", .string("labs")), ("labs", .array([.string("A"), .string("B")]))])
        #expect(labs.labs == ["A", "B"])
        #expect(labs.concurrency == 2)
        let again = try SweepDefinition(json: labs.json, source: "recorded")
        #expect(again.labs == ["A", "B"] && again.concurrency == 2)
        #expect(try load([("labs", .array([.string("A")]))]).labs == ["A"])
        #expect(try SweepDefinition(json: .object(base), source: "x").json["labs"] == nil)
        #expect(field([("runner", .string("lab"))]) == "runner")
        #expect(field([("runner", .string("labs"))]) == "labs")
        #expect(field([("runner", .string("direct")), ("labs", .array([.string("A")]))]) == "labs")
        #expect(field([("labs", .array([.string("A"), .string("A")]))]) == "labs")
        #expect(field([("labs", .array([.number(3)]))]) == "labs[0]")
        #expect(
            field([
                ("labs", .array([.string("A")])),
                ("budget", .object([("trials", .number(4)), ("concurrency", .number(2))])),
            ])
                == "budget.concurrency")
        #expect(field([]) == "market")
    }

    @Test func aLabThatCannotHoldATrialIsRefusedBeforeAnythingStarts() async throws {
        try await SimulatorServer.withRunning(
            SimulatorConfiguration(seed: 73, labs: 1, backtestsPerLab: 1, pollsToComplete: 1)
        ) { server in
            var definition = try await labGrid(server, ledger: "refused")
            definition.labs[1] = "no-such-lab"
            await #expect(throws: (any Error).self) {
                _ = try await service("refused").run(definition, source: "test", client: client(server))
            }
            definition.concurrency = 3
            #expect(throws: LedgerError.self) { try definition.validate(source: "sweep.toml") }
            #expect(server.receivedRequests.filter { $0.channel == "START_LAB_EXECUTION" }.isEmpty)
        }
    }
}
