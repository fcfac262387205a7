import EventLog
import EventLogTesting
import Foundation
import HaasAPI
import HaasSimulator
import JSON
import SQLiteKit
import Testing

@testable import Ledger
@testable import Projections

/// `haasledger import` over cache trees the simulator writes in every pyHaasAPI layout.
@Suite struct ImportTests {
    let directory: TemporaryDirectory
    let location: LedgerLocation
    let world = SimulatedWorld(configuration: SimulatorConfiguration(seed: 21, labs: 2, backtestsPerLab: 6))

    init() throws {
        directory = try TemporaryDirectory(prefix: "haasledger-import")
        location = LedgerLocation(root: directory.appending("ledger"))
    }

    var cacheRoot: String { directory.appending("pyhaasapi") }

    func writeCache(_ layouts: PyHaasCacheWriter.Layouts = .all) throws -> [String] {
        try PyHaasCacheWriter(world: world).write(to: cacheRoot, layouts: layouts)
    }

    func importCache(_ paths: [String]? = nil, dryRun: Bool = false, into location: LedgerLocation? = nil)
        throws -> (summary: ImportSummary, outcomes: [ImportFileOutcome])
    {
        var outcomes: [ImportFileOutcome] = []
        let summary = try ImportService(
            location: location ?? self.location, clock: ManualClock(micros: 1_800_000_000_000_000)
        )
        .run(
            ImportRequest(paths: paths ?? [cacheRoot], dryRun: dryRun, serverLabel: "srv01", workingDirectory: "/"),
            onFile: { outcomes.append($0) })
        return (summary, outcomes)
    }

    func events(_ type: String? = nil, in location: LedgerLocation? = nil) throws -> [RecordedEvent] {
        try (location ?? self.location).recordedEvents(type)
    }

    @Test func importsEveryLayoutWithTheRightCounts() throws {
        let files = try writeCache()
        let (summary, outcomes) = try importCache()
        let backtests = world.labs.reduce(0) { $0 + $1.backtests.count }
        #expect(summary.failed == 0, "\(outcomes.filter { $0.status == .failed })")
        #expect(summary.imported == files.count)
        #expect(summary.ignored == 0)
        let tally = summary.byKind
        #expect(tally[.labBacktestDetail]?.imported == backtests)
        #expect(tally[.labBacktestList]?.imported == world.labs.count)
        #expect(tally[.labBacktestAnalytics]?.imported == world.labs.count)
        #expect(tally[.unifiedRuntime]?.imported == backtests / 2)
        #expect(tally[.unifiedAnalysis]?.imported == backtests / 2)
        #expect(tally[.unifiedSummary]?.imported == backtests)
        #expect(tally[.unifiedReport]?.imported == world.labs.count * 2)
        #expect(tally[.backtestCacheIndex]?.imported == 1)
        #expect(tally[.backtestCachePickle]?.imported == world.labs.count + 1)
        #expect(tally[.historyCutoffs]?.imported == 1)
        #expect(tally[.historyCutoffsBackup]?.imported == 1)
        // Runtimes: every detail, every shape A and every shape B file.
        #expect(summary.runtimes == backtests * 2)
        #expect(summary.metricsComputed == backtests * 2)
        let recorded = try events("cache.file.imported")
        #expect(recorded.count == files.count)
        #expect(try recorded.allSatisfy { try $0.payload.json["server_label"] == .string("srv01") })
        // Every fact names its file as the source and belongs to the run.
        let runID = try #require(summary.runID)
        #expect(
            try events("haas.backtest.runtime.fetched").allSatisfy {
                files.contains($0.source) && $0.correlationID == runID
            })
        #expect(try events("haas.backtest.runtime.fetched").count == backtests * 2)
        #expect(try events("metrics.computed").count == backtests * 2)
        // Details, list elements, analyses and v2 summaries each state a result.
        #expect(try events("haas.backtest.result.observed").count == backtests * 3 + backtests / 2)
        // Two markets; the backup holds one of them again and is recorded once.
        #expect(try events("history.cutoff.recorded").count == 2)
        let log = try location.openLog(create: false)
        #expect(try log.verify().isValid)
    }

    @Test func reimportingSkipsEveryFileAndAppendsNothing() throws {
        let files = try writeCache()
        _ = try importCache()
        let before = try events().count
        let (again, _) = try importCache()
        #expect(again.imported == 0)
        #expect(again.skipped == files.count)
        #expect(again.failed == 0)
        // Only the second run's own run.started and run.finished.
        #expect(try events().count == before + 2)
    }

    @Test func aMalformedFileFailsAloneAndLeavesNothingHalfRecorded() throws {
        _ = try writeCache([.labBacktests, .unifiedRuntimes, .historyCutoffs])
        let lab = world.labs[0]
        let runtimePath = "\(cacheRoot)/unified_cache/backtests/\(lab.id)_\(lab.backtests[0].id).json"
        let truncated = try #require(FileManager.default.contents(atPath: runtimePath))
        try truncated.prefix(truncated.count / 2).write(to: URL(fileURLWithPath: runtimePath))
        let detailPath =
            "\(cacheRoot)/cache/lab_backtests_\(lab.id)_\(PyHaasCacheWriter.folderStamp)/backtest_details/\(lab.backtests[1].id).json"
        // Valid JSON, wrong shape: the runtime's positions are a string.
        try Data(#"{"backtest_id":"\#(lab.backtests[1].id)","runtime":{"Reports":{},"FinishedPositions":"none"}}"#.utf8)
            .write(to: URL(fileURLWithPath: detailPath))
        let cutoffs = "\(cacheRoot)/data/history_cutoffs.json"
        try Data(#"{"version":"1.0","cutoffs":{"BINANCE_BTC_USDT_":{"cutoff_date":"soon"}}}"#.utf8)
            .write(to: URL(fileURLWithPath: cutoffs))

        let (summary, outcomes) = try importCache()
        let failed = outcomes.filter { $0.status == .failed }
        #expect(failed.map(\.path).sorted() == [cutoffs, detailPath, runtimePath].sorted())
        #expect(summary.failed == 3)
        let reasons = Dictionary(uniqueKeysWithValues: failed.map { ($0.path, $0.reason ?? "") })
        #expect(reasons[runtimePath]?.contains("not valid JSON") == true, "\(reasons)")
        #expect(reasons[detailPath]?.contains("FinishedPositions") == true, "\(reasons)")
        #expect(reasons[cutoffs]?.contains("cutoffs.BINANCE_BTC_USDT_.cutoff_date") == true, "\(reasons)")
        // The others imported; each failure is one import.failed event and nothing else from that file.
        #expect(summary.imported > 0)
        let failures = try events("import.failed")
        #expect(Set(failures.map(\.source)) == Set([cutoffs, detailPath, runtimePath]))
        let failedSources = Set(failures.map(\.source))
        #expect(try events().filter { failedSources.contains($0.source) && $0.type != "import.failed" }.isEmpty)
        #expect(try events("history.cutoff.recorded").isEmpty == false)  // the backup's market still imported
        // The failed file's bytes are kept as evidence.
        let evidence = try #require(failures.first { $0.source == runtimePath })
        #expect(evidence.blobHashes.count == 1)
    }

    @Test func modificationTimeArrivesAsObservedAt() throws {
        let files = try writeCache([.unifiedRuntimes, .backtestCache])
        _ = try importCache()
        for event in try events("cache.file.imported") {
            let path = try #require(try event.payload.json["path"]?.stringValue)
            let index = try #require(files.firstIndex(of: path))
            // The writer stamps file N with base time + N seconds.
            #expect(event.observedAt == (1_756_337_000 + Int64(index)) * 1_000_000)
        }
    }

    @Test func dryRunListsWhatItWouldImportAndRecordsNothing() throws {
        let files = try writeCache([.unifiedRuntimes, .historyCutoffs])
        let (summary, outcomes) = try importCache(dryRun: true)
        #expect(summary.imported == files.count)
        #expect(summary.runID == nil)
        #expect(outcomes.allSatisfy { $0.status == .wouldImport })
        #expect(throws: EventLogError.self) { try location.openLog(create: false) }
    }

    @Test func pickleHashesAreCheckedAgainstTheIndexWithoutUnpickling() throws {
        _ = try writeCache([.backtestCache])
        _ = try importCache()
        let checks = try events("cache.file.imported").compactMap { try $0.payload.json["md5_check"]?.stringValue }
        // One pickle per lab matches; the labs pickle was rewritten after its index entry.
        #expect(checks.filter { $0 == "match" }.count == world.labs.count)
        #expect(checks.filter { $0 == "mismatch" }.count == 1)
    }

    /// A runtime imported from a cache gets exactly the metrics a fetch of the same runtime gets.
    @Test func importedRuntimeMetricsEqualFetchedOnes() async throws {
        _ = try writeCache([.unifiedRuntimes, .unifiedAnalyses, .labBacktests])
        _ = try importCache()
        let fetched = LedgerLocation(root: directory.appending("fetched"))
        try await withRunningSimulator(world.configuration) { server in
            _ = try await FetchService(location: fetched).run(
                FetchRequest(
                    client: HaasClientConfiguration(
                        server: HaasServer(host: "127.0.0.1", port: server.port),
                        credentials: HaasCredentials(
                            email: world.configuration.email, password: world.configuration.password),
                        retry: RetryPolicy(maxAttempts: 8, baseDelay: .zero)),
                    labs: .all, runtimes: true))
        }
        func values(_ location: LedgerLocation) throws -> [String: [JSONValue]] {
            var byBacktest: [String: [JSONValue]] = [:]
            for event in try events("metrics.computed", in: location) {
                let json = try event.payload.json
                byBacktest[json["backtest_id"]?.stringValue ?? "", default: []].append(json["values"] ?? .null)
            }
            return byBacktest
        }
        let imported = try values(location)
        let reference = try values(fetched)
        #expect(reference.count == world.labs.count * 6)
        for (backtest, computed) in reference {
            // Each backtest was imported twice (a detail file and a unified file): the same values both times.
            let fromCache = try #require(imported[backtest])
            #expect(fromCache.count == 2)
            #expect(fromCache.allSatisfy { $0 == computed[0] }, "\(backtest)")
        }
    }

    @Test func readModelsShowImportedBacktestsCutoffsAndFiles() throws {
        _ = try writeCache([.labBacktests, .historyCutoffs])
        _ = try importCache()
        let models = try ReadModels(
            path: ReadModels.path(ledgerRoot: location.root), log: try location.openLog(create: false))
        let backtests = try models.db.prepare(
            "SELECT backtest_id, lab_id, generation, population, market FROM backtests WHERE valid_to IS NULL"
        ).rows()
        #expect(backtests.count == world.labs.reduce(0) { $0 + $1.backtests.count })
        let first = world.labs[0].backtests[3]
        let row = try #require(backtests.first { $0[0] == .text(first.id) })
        #expect(row[2] == .integer(Int64(first.generation)))
        #expect(row[3] == .integer(Int64(first.population)))
        #expect(row[4] == .text(world.labs[0].market))
        let cutoffs = try models.db.prepare(
            "SELECT market, method, cutoff FROM history_cutoffs WHERE valid_to IS NULL ORDER BY market"
        ).rows()
        #expect(cutoffs.count == 2)
        #expect(cutoffs.allSatisfy { $0[1] == .text("imported") })
        let cached = try models.db.prepare("SELECT count(*) FROM cache_index WHERE kind LIKE 'lab_backtests.%'")
            .rows()
        #expect(
            cached.first?.first
                == .integer(Int64(world.labs.reduce(0) { $0 + $1.backtests.count } + world.labs.count * 2)))
    }

    /// A read-model file written by a build without `imported_files` is replayed when the migration adds it,
    /// so the events projected before the upgrade reach the new table too.
    @Test func aMigrationThatAddsATableReplaysEarlierEvents() throws {
        _ = try writeCache([.historyCutoffs])
        _ = try importCache()
        let path = ReadModels.path(ledgerRoot: location.root)
        let log = try location.openLog(create: false)
        do {
            let models = try ReadModels(path: path, log: log)
            try models.db.execute("DROP TABLE imported_files; DELETE FROM schema_migrations WHERE version = 5")
        }
        let upgraded = try ReadModels(path: path, log: log)
        let rows = try upgraded.db.prepare("SELECT status FROM imported_files").rows()
        #expect(rows == [[.text("imported")], [.text("imported")]])
        let cutoffs = try upgraded.db.prepare("SELECT count(*) FROM history_cutoffs").rows()
        #expect(cutoffs == [[.integer(2)]], "replayed once, not on top of the old rows")
    }

    /// An import killed between a chunk's events and their metrics is completed by the next import, once.
    @Test func theNextImportCompletesAnInterruptedOne() throws {
        let interrupted = try location.recordKilledRun("import", world: world)
        let empty = directory.appending("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let (first, _) = try importCache([empty])
        #expect(first.metricsComputed == 1)
        let closed = try events("run.finished").filter { $0.stream == "run:\(interrupted)" }
        #expect(closed.count == 1)
        #expect(try closed.first?.payload.json["interrupted"] == .bool(true))
        #expect(try events("metrics.computed").count == 1)
        let (second, _) = try importCache([empty])
        #expect(second.metricsComputed == 0)
        #expect(try events("run.finished").filter { $0.stream == "run:\(interrupted)" }.count == 1)
    }

    @Test func unifiedFileNamesAreSplitFromTheRight() throws {
        let lab = "cb87a095-1111-2222-3333-444455556666"
        let backtest = "0e3a5382-aaaa-bbbb-cccc-ddddeeeeffff"
        let v2 = try #require(RecognisedPath.recognise("/x/unified_cache/backtests/my_server_\(lab)_\(backtest).json"))
        #expect(v2.labID == lab)
        #expect(v2.backtestID == backtest)
        #expect(v2.server == "my_server")
        let v1 = try #require(RecognisedPath.recognise("/x/unified_cache/backtests/\(lab)_\(backtest).json"))
        #expect(v1.labID == lab && v1.backtestID == backtest && v1.server == nil)
        let folder = try #require(
            RecognisedPath.recognise("/c/cache/lab_backtests_\(lab)_20250827_234217/backtests_list.json"))
        #expect(folder.labID == lab && folder.kind == .labBacktestList)
        #expect(RecognisedPath.recognise("/c/cache/lab_backtests_x/backtests_list.json") == nil)
    }

    @Test(.needsHaasFixtures) func realPyHaasAPIBacktestCacheImports() throws {
        let samples = SharedFixtures.haas("pyhaasapi").path
        let (summary, outcomes) = try importCache([samples])
        #expect(summary.failed == 0, "\(outcomes)")
        #expect(summary.byKind[.backtestCacheIndex]?.imported == 1)
        #expect(summary.byKind[.backtestCachePickle]?.imported == 2)
        // The transcriptions and the other JSON files are not cache layouts.
        #expect(summary.ignored == 4)
        let checks = try events("cache.file.imported").compactMap { try $0.payload.json["md5_check"]?.stringValue }
        #expect(checks == ["match", "match"])
        let index = try #require(try events("cache.file.imported").first { $0.source.hasSuffix("cache.db") })
        #expect(try index.payload.json["entry_count"] == .number(2))
    }
}

extension ImportTests {
    /// pyHaasAPI's history_cutoffs backups are often byte-for-byte copies of the live file: every path is
    /// recorded as its own `cache.file.imported`, the bytes and facts once (issue 15 #13).
    @Test func identicalBytesAtAnotherPathAreRecordedAsACopy() throws {
        let first = directory.appending("first/data")
        let second = directory.appending("second/data")
        for folder in [first, second + "/backups"] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        _ = try writeCache()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: cacheRoot + "/data/history_cutoffs.json"))
        for path in [
            first + "/history_cutoffs.json", second + "/history_cutoffs.json",
            second + "/backups/history_cutoffs_backup_20250101_000000.json",
        ] {
            try bytes.write(to: URL(fileURLWithPath: path))
        }
        let (one, _) = try importCache([directory.appending("first")])
        #expect(one.imported == 1 && one.copies == 0)
        let cutoffs = try events("history.cutoff.recorded").count
        #expect(cutoffs > 0)
        let (two, outcomes) = try importCache([directory.appending("second")])
        #expect(two.imported == 0 && two.copies == 2 && two.skipped == 0)
        #expect(
            outcomes.allSatisfy { $0.status == .copy && $0.reason == "same bytes as \(first)/history_cutoffs.json" })
        let files = try events("cache.file.imported")
        #expect(Set(try files.map { try $0.payload.json["path"]?.stringValue ?? "" }).count == 3)
        #expect(try events("history.cutoff.recorded").count == cutoffs, "the facts once")
        // Each path again is a no-op.
        let (three, _) = try importCache([directory.appending("first"), directory.appending("second")])
        #expect(three.skipped == 3 && three.copies == 0 && three.imported == 0)
        #expect(try events("cache.file.imported").count == 3)
    }

    /// The walk follows a link to a file, never one to a folder (a loop cannot hang it), and finds files in
    /// the order of their names.
    @Test func linkedFilesAreImportedAndLinkedFoldersAreNotFollowed() throws {
        let data = directory.appending("linked/data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        _ = try writeCache()
        try FileManager.default.createSymbolicLink(
            atPath: data + "/history_cutoffs.json", withDestinationPath: cacheRoot + "/data/history_cutoffs.json")
        try FileManager.default.createSymbolicLink(atPath: data + "/loop", withDestinationPath: data)
        try FileManager.default.createSymbolicLink(atPath: data + "/cache", withDestinationPath: cacheRoot)
        // Empty path components do not change what a path is recognised as.
        let (summary, outcomes) = try importCache([directory.appending("linked//data/")])
        #expect(summary.imported == 1 && summary.failed == 0 && summary.ignored == 0)
        #expect(outcomes.map(\.path) == [data + "/history_cutoffs.json"])
        #expect(outcomes.first?.kind == .historyCutoffs)
    }

    @Test func aFolderWithoutCacheFilesImportsNothingAndSaysSo() throws {
        let folder = directory.appending("unrelated")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "notes".write(toFile: folder + "/notes.txt", atomically: true, encoding: .utf8)
        let (summary, _) = try importCache([folder])
        #expect(summary.imported == 0 && summary.ignored == 1)
        #expect(summary.warnings.count == 1)
        #expect(summary.warnings.first?.hasPrefix("nothing to import: none of the 1 file(s) under \(folder)") == true)
    }
}
