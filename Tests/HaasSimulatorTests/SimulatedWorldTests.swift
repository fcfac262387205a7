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
}
