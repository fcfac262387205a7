import Foundation
import HaasAPI
import HaasSimulator
import JSON
import Testing

/// EXECUTE_BACKTEST against the simulator with faults: gateway timeouts where the server did nothing, and
/// replies lost after it acted. Whatever the mix, each client-chosen id starts one backtest.
@Suite struct DirectBacktestTests {
    static func settings(_ world: SimulatedWorld, period: Int) -> String {
        #"{"accountId":"\#(world.accounts[0].id)","marketTag":"BINANCE_BTC_USDT_","scriptParameters":{"Period":\#(period)}}"#
    }

    @Test(arguments: [51, 52, 53] as [UInt64])
    func everyIdStartsOneBacktestWhateverTheFaults(seed: UInt64) async throws {
        let faults = try FaultPlan(spec: "504:0.3,lost:0.3")
        try await withSimulator(SimulatorConfiguration(seed: seed, labs: 1, backtestsPerLab: 1, faults: faults)) {
            client, server, _ in
            var ids: [String] = []
            var reconciled = (found: 0, notFound: 0)
            for period in 10..<20 {
                let id = UUID().uuidString.lowercased()
                let start = try await client.executeBacktest(
                    backtestID: id, scriptID: server.world.scripts[0].id,
                    settings: Self.settings(server.world, period: period), start: 1_767_225_600, end: 1_772_323_200)
                ids.append(id)
                for reconciliation in start.reconciliations {
                    if reconciliation.found { reconciled.found += 1 } else { reconciled.notFound += 1 }
                }
                // Sent again only after the server said it does not know the id.
                #expect(start.requests == 1 + start.reconciliations.filter { !$0.found }.count)
            }
            #expect(
                reconciled.found > 0 && reconciled.notFound > 0, "the faults did not cover both cases: \(reconciled)")
            // The server's own list: each id once.
            var listed: [String] = []
            var next = 0
            while true {
                let page = try await client.backtestHistoryPage(nextPageID: next, pageLength: 4).value
                listed += page.items.compactMap { $0["BacktestId"]?.stringValue }
                guard let following = page.nextPageID, following != next, !page.items.isEmpty else { break }
                next = following
            }
            #expect(listed.sorted() == ids.sorted())
        }
    }

    @Test func aCompletedBacktestCarriesItsRuntimeVerbatim() async throws {
        try await withSimulator(SimulatorConfiguration(seed: 54, labs: 1, backtestsPerLab: 1, pollsToComplete: 2)) {
            client, server, _ in
            let id = UUID().uuidString.lowercased()
            _ = try await client.executeBacktest(
                backtestID: id, scriptID: server.world.scripts[0].id, settings: Self.settings(server.world, period: 30),
                start: 1_767_225_600, end: 1_772_323_200)
            var phases: [BacktestInfo.Phase] = []
            var info: HaasReply<BacktestInfo>
            repeat {
                info = try await client.backtestInfo(backtestID: id)
                phases.append(info.value.phase)
            } while info.value.phase != .completed && phases.count < 10
            #expect(phases == [.queued, .running, .completed])
            let bytes = try #require(info.value.runtimeBytes)
            #expect(info.body.firstRange(of: bytes) != nil)  // a slice of the body as kept
            // The runtime echoes the login e-mail: read from the body with it redacted, not as received.
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.contains("<redacted>") && !text.contains(server.world.configuration.email))
            let runtime = try info.value.runtime()
            #expect(runtime.finishedPositions.count == 16)  // 6 + 300 / 30
            #expect(info.value.record["Runtime"] == nil)
            let cancelled = try await client.cancelBacktest(backtestID: id, serviceID: "LocalService-ENT")
            #expect(cancelled.value == false)  // it had completed
            await #expect(
                throws: HaasAPIError.serverRefused(channel: "GET_BACKTEST_INFO", message: "Backtest not found")
            ) {
                _ = try await client.backtestInfo(backtestID: UUID().uuidString)
            }
        }
    }
}
