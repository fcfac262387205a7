import EventLog
import EventLogTesting
import Foundation
import HaasAPI
import HaasSimulator
import JSON
import Ledger
import Testing

/// Interrupted recording commands (issue 15 #1): a stop request ends a fetch, import or recompute between
/// units of work with everything it did committed and its run closed as interrupted; a run that was killed
/// outright is completed by the next one.
@Suite struct InterruptionTests {
    let directory: TemporaryDirectory
    let location: LedgerLocation

    init() throws {
        directory = try TemporaryDirectory(prefix: "haasledger-interrupt")
        location = LedgerLocation(root: directory.appending("ledger"))
    }

    func client(_ server: SimulatorServer) -> HaasClientConfiguration {
        HaasClientConfiguration(
            server: HaasServer(host: "127.0.0.1", port: server.port),
            credentials: HaasCredentials(
                email: server.world.configuration.email, password: server.world.configuration.password),
            concurrency: 4, retry: RetryPolicy(maxAttempts: 4, baseDelay: .zero))
    }

    func events(_ type: String) throws -> [RecordedEvent] { try location.recordedEvents(type) }

    @Test func aStoppedFetchKeepsEveryRuntimeWithItsMetricsAndTheNextOneCompletesIt() async throws {
        let stop = StopRequest()
        var service = FetchService(location: location)
        service.stopRequest = stop
        service.runtimeBatch = 10
        let configuration = SimulatorConfiguration(seed: 21, labs: 2, backtestsPerLab: 30)
        let outcome: (any Error)? = try await withRunningSimulator(configuration) { server in
            do {
                _ = try await service.run(FetchRequest(client: client(server), labs: .all, runtimes: true)) {
                    if $0.phase == "runtimes" && $0.done >= 20 { stop.request() }
                }
                return nil
            } catch {
                return error
            }
        }
        guard case LedgerError.interrupted(let message)? = outcome else {
            Issue.record("the fetch was not interrupted: \(String(describing: outcome))")
            return
        }
        #expect(message.hasPrefix("fetch stopped at runtimes: "))
        let runtimes = try events("haas.backtest.runtime.fetched").count
        #expect(runtimes >= 20 && runtimes < 60)
        #expect(try events("metrics.computed").count == runtimes, "no runtime is left without its metrics")
        let finished = try #require(try events("run.finished").last)
        #expect(try finished.payload.json["interrupted"] == .bool(true))
        #expect(try finished.payload.json["backtests"] == .number(60), "the result pages it read are counted")
        #expect(try events("fetch.failed").isEmpty, "an interruption is not a failure")

        let second = try await withRunningSimulator(configuration) { server in
            try await FetchService(location: location).run(
                FetchRequest(client: client(server), labs: .all, runtimes: true))
        }
        #expect(second.runtimesSkipped == runtimes && second.runtimesFetched == 60 - runtimes)
        #expect(try events("metrics.computed").count == 60)
    }

    @Test func aKilledFetchIsCompletedAndClosedByTheNext() async throws {
        let world = SimulatedWorld(configuration: SimulatorConfiguration(seed: 22, labs: 1, backtestsPerLab: 3))
        let killed = try location.recordKilledRun("fetch", world: world)
        let summary = try await withRunningSimulator(world.configuration) { server in
            try await FetchService(location: location).run(FetchRequest(client: client(server), labs: .all))
        }
        #expect(summary.metricsComputed == 1)
        let closed = try events("run.finished").filter { $0.stream == "run:\(killed)" }
        #expect(closed.count == 1)
        #expect(try closed.first?.payload.json["interrupted"] == .bool(true))
        #expect(try closed.first?.payload.json["completed_by_run"] == .string(summary.runID.description))
    }

    /// Issue 15 #11: a fetch that failed between its runtimes and their metrics (a full disk) closed its run
    /// with the error; the next fetch computes the missing metrics, once, and adds no second end to that run.
    @Test func aFetchThatFailedBeforeItsMetricsIsCompletedByTheNextOnce() async throws {
        let world = SimulatedWorld(configuration: SimulatorConfiguration(seed: 24, labs: 1, backtestsPerLab: 3))
        let failed = try location.recordFailedRun("fetch", world: world)
        let (first, second) = try await withRunningSimulator(world.configuration) { server in
            let request = FetchRequest(client: client(server), labs: .all)
            return (
                try await FetchService(location: location).run(request),
                try await FetchService(location: location).run(request)
            )
        }
        #expect(first.metricsComputed == 1)
        #expect(second.metricsComputed == 0, "done once")
        #expect(try events("run.finished").filter { $0.stream == "run:\(failed)" }.count == 1)
        #expect(try events("metrics.computed").count == 1)
    }

    /// A run's `run.finished` counts what it recorded, including a run stopped part-way.
    @Test func aRunsEndCountsItsEventsAndBacktests() async throws {
        let configuration = SimulatorConfiguration(seed: 25, labs: 2, backtestsPerLab: 5)
        let summary = try await withRunningSimulator(configuration) { server in
            try await FetchService(location: location).run(FetchRequest(client: client(server), labs: .all))
        }
        let finished = try #require(try events("run.finished").last)
        let recorded = try location.openLog(create: false).read { reader in
            var count = 0
            try reader.forEachEvent { event in
                if event.correlationID == summary.runID { count += 1 }
                return true
            }
            return count
        }
        #expect(try finished.payload.json["events"] == .number(recorded))
        #expect(try finished.payload.json["backtests"] == .number(10))
    }

    /// A backtest whose runtime was never fetched has no metrics: in JSON each is null with the reason, in CSV
    /// an empty cell, in a table a dash (issue 14 §4: every null metric says why).
    @Test func metricsNeverComputedSayWhy() async throws {
        let configuration = SimulatorConfiguration(seed: 26, labs: 2, backtestsPerLab: 3)
        let labs = SimulatedWorld(configuration: configuration).labs.map(\.id)
        try await withRunningSimulator(configuration) { server in
            _ = try await FetchService(location: location).run(
                FetchRequest(client: client(server), labs: .ids([labs[0]]), runtimes: true))
            _ = try await FetchService(location: location).run(
                FetchRequest(client: client(server), labs: .ids([labs[1]])))
        }
        let table = try ReadModelService(location: location).backtests(
            lab: nil, market: nil, formula: nil, conditions: [], sort: nil, ascending: false, limit: nil, at: .now)
        let json = try JSONParser.parse(Array(table.lines(.json).joined(separator: "\n").utf8))
        guard case .array(let rows) = json, let first = rows.first(where: { $0["lab_id"] == .string(labs[1]) }) else {
            Issue.record("no rows of the second lab: \(json)")
            return
        }
        #expect(rows.count == 6)
        #expect(first["total_return"] == .null)
        #expect(first["total_return_reason"] == .string("not computed"))
        let csv = table.lines(.csv)
        let column = try #require(
            csv[0].split(separator: ",", omittingEmptySubsequences: false).firstIndex(of: "total_return"))
        let row = try #require(csv.first { $0.contains(labs[1]) })
        #expect(row.split(separator: ",", omittingEmptySubsequences: false)[column] == "")
        #expect(
            csv.contains {
                $0.contains(labs[0]) && !$0.split(separator: ",", omittingEmptySubsequences: false)[column].isEmpty
            })
    }

    @Test func aStoppedImportCommitsWholeFilesAndClosesItsRun() throws {
        let cache = directory.appending("cache")
        let world = SimulatedWorld(configuration: SimulatorConfiguration(seed: 23, labs: 2, backtestsPerLab: 80))
        _ = try PyHaasCacheWriter(world: world).write(to: cache)
        let stop = StopRequest()
        var service = ImportService(location: location)
        service.stopRequest = stop
        let request = ImportRequest(paths: [cache], workingDirectory: directory.path)
        #expect(throws: LedgerError.self) {
            _ = try service.run(request, progress: { if $0.done >= 128 { stop.request() } })
        }
        let finished = try #require(try events("run.finished").last)
        #expect(try finished.payload.json["interrupted"] == .bool(true))
        let imported = try events("cache.file.imported").count
        #expect(imported > 0)
        let again = try ImportService(location: location).run(request)
        #expect(again.skipped == imported && again.failed == 0)
    }
}
