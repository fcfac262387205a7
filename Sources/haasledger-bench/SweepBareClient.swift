// The part of a sweep trial's client CPU that is the server conversation itself: the same EXECUTE_BACKTEST
// calls a sweep made (read back from the simulator's request log), each followed by GET_BACKTEST_INFO polls
// until it completes, by a bare `HaasClient` that records nothing, samples nothing and computes nothing.
// A sweep's CPU less this is the ledger's own overhead (sampler + recording + metrics), as issue 13 defines it.
import Foundation
import HaasAPI

private struct DiscardingObserver: HaasExchangeObserver {
    func record(_ exchange: HaasExchange) {}
}

/// One recorded EXECUTE_BACKTEST's parameters, to send again under a new backtest id.
struct RecordedStart {
    let scriptID: String
    let settings: String
    let start: Int64
    let end: Int64

    /// The EXECUTE_BACKTEST requests among `lines` (NDJSON of `simulate --request-log`).
    static func starts(inRequestLog lines: ArraySlice<Substring>) -> [RecordedStart] {
        lines.compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                object["channel"] as? String == "EXECUTE_BACKTEST",
                let parameters = object["parameters"] as? [String: String], let scriptID = parameters["scriptid"],
                let settings = parameters["settings"], let start = parameters["startunix"].flatMap({ Int64($0) }),
                let end = parameters["endunix"].flatMap({ Int64($0) })
            else { return nil }
            return RecordedStart(scriptID: scriptID, settings: settings, start: start, end: end)
        }
    }
}

/// Client CPU per backtest of running `starts` with a bare client, `concurrency` at a time.
func bareClientCPU(
    _ starts: [RecordedStart], configuration: HaasClientConfiguration, concurrency: Int, firstID: Int
) async throws -> Double {
    let client = HaasClient(configuration: configuration, observer: DiscardingObserver())
    let cpu = processCPUSeconds()
    try await client.login()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for (index, start) in starts.enumerated() {
            if index >= concurrency { try await group.next() }
            group.addTask {
                let id = String(format: "ba2e0000-0000-4000-8000-%012x", firstID + index)
                _ = try await client.executeBacktest(
                    backtestID: id, scriptID: start.scriptID, settings: start.settings, start: start.start,
                    end: start.end)
                while true {
                    let phase = try await client.backtestInfo(backtestID: id).value.phase
                    if phase == .completed { break }
                    if phase == .cancelled { fail("bare backtest \(id) was cancelled") }
                }
            }
        }
        try await group.waitForAll()
    }
    let perBacktest = (processCPUSeconds() - cpu) / Double(starts.count)
    try await client.shutdown()
    return perBacktest
}
