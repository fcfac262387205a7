import Testing

@testable import HaasSimulator

@Suite struct SimulatedWorldTests {
    @Test func sameSeedSameWorldAndBytes() {
        let a = SimulatedWorld(configuration: SimulatorConfiguration(seed: 42, labs: 2, backtestsPerLab: 5))
        let b = SimulatedWorld(configuration: SimulatorConfiguration(seed: 42, labs: 2, backtestsPerLab: 5))
        #expect(a.labs.map(\.id) == b.labs.map(\.id))
        let lab = a.labs[1]
        var first = JSONWriter()
        var second = JSONWriter()
        Payloads.runtime(world: a, lab: lab, backtest: lab.backtests[2], userID: "u", into: &first)
        Payloads.runtime(world: b, lab: b.labs[1], backtest: b.labs[1].backtests[2], userID: "u", into: &second)
        #expect(first.bytes == second.bytes)
        let other = SimulatedWorld(configuration: SimulatorConfiguration(seed: 43, labs: 2, backtestsPerLab: 5))
        #expect(other.labs.map(\.id) != a.labs.map(\.id))
    }

    @Test func revisionsChangeADeterministicSubset() {
        let configuration = SimulatorConfiguration(seed: 3, labs: 3, backtestsPerLab: 100)
        let world = SimulatedWorld(configuration: configuration)
        let changed = world.changedBacktestIDs(fromRevision: 1, toRevision: 2)
        #expect(changed.count > 30 && changed.count < 90, "about 20 % of 300: \(changed.count)")
        var revised = configuration
        revised.revision = 2
        let second = SimulatedWorld(configuration: revised)
        for (lab, lab2) in zip(world.labs, second.labs) {
            for (backtest, backtest2) in zip(lab.backtests, lab2.backtests) {
                let before = SimulatedResult(world: world, lab: lab, backtest: backtest)
                let after = SimulatedResult(world: second, lab: lab2, backtest: backtest2)
                #expect((before.realizedProfits != after.realizedProfits) == changed.contains(backtest.id))
            }
        }
    }

    @Test func resultsKeepTheServersArithmetic() {
        let world = SimulatedWorld(configuration: SimulatorConfiguration(seed: 5, labs: 2, backtestsPerLab: 20))
        for lab in world.labs {
            for backtest in lab.backtests {
                let result = SimulatedResult(world: world, lab: lab, backtest: backtest)
                #expect(abs(result.grossProfits - result.totalFees - result.realizedProfits) < 1e-6)
                #expect(abs(result.realizedProfits / result.roiMargin * 100 - result.roi) < 0.0001)
                for position in result.positions {
                    #expect(position.closedAt > position.openedAt)
                    #expect(
                        abs(position.entry.margin - position.entry.amount * position.entry.price / lab.leverage) < 1e-6)
                }
            }
        }
    }

    @Test func wrongPathsGetTheWebInterface() async {
        let responder = SimulatorResponder(
            world: SimulatedWorld(configuration: SimulatorConfiguration()), state: SimulatorState())
        let reply = await responder.respond(path: "/HaasScript", parameters: ["channel": "GET_LABS"])
        #expect(reply.status == 200)
        #expect(reply.contentType.hasPrefix("text/html"))
    }

    /// Direct backtests: a deterministic function of the request, best near the script's optimum, so a
    /// parameter search has something to find (issue 12 §4).
    @Test func directResultsPeakAtTheScriptsOptimum() {
        let world = SimulatedWorld(configuration: SimulatorConfiguration(seed: 7, labs: 1, backtestsPerLab: 1))
        let script = world.scripts[0]
        let optimum = world.optimum(of: script)
        func run(_ parameters: [String: Double]) -> DirectRun {
            DirectRun(
                scriptID: script.id, parameters: parameters, market: "BINANCE_BTC_USDT_",
                accountID: world.accounts[0].id,
                leverage: 1, start: 1_767_225_600, end: 1_772_323_200, sides: "both", tradeAmount: 930, interval: 15)
        }
        let best = run(optimum)
        #expect(world.result(script: script, run: best).roi == world.result(script: script, run: best).roi)
        let far = run(["Period": 5, "Stop Loss": 6])
        #expect(world.edge(script: script, run: best) > world.edge(script: script, run: far) + 0.003)
        // Along one input the edge falls off on both sides of the optimum.
        let period = optimum["Period"]!
        let edges = [period - 10, period, period + 10].map { value in
            world.edge(script: script, run: run(optimum.merging(["Period": value]) { $1 }))
        }
        #expect(edges[1] > edges[0] && edges[1] > edges[2], "\(edges)")
        for input in script.inputs {
            #expect((input.minimum...input.maximum).contains(optimum[input.name]!))
        }
    }
}
