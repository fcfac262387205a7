import EventLog
import EventLogTesting
import Foundation
import HaasAPI
import HaasSimulator
import JSON
import Ledger
import LedgerEvents
import Testing

/// The catalog is the one description of every event: its documentation matches the code, and what the
/// writers actually record matches the catalog.
@Suite struct EventCatalogTests {
    @Test func catalogDocumentationMatchesTheCode() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/LedgerEvents/CATALOG.md")
        // `HAASLEDGER_WRITE_CATALOG=1 tools/test --filter EventCatalogTests` writes it after a catalog change.
        if ProcessInfo.processInfo.environment["HAASLEDGER_WRITE_CATALOG"] == "1" {
            try EventCatalog.markdown.write(to: file, atomically: true, encoding: .utf8)
        }
        let documented = try String(contentsOf: file, encoding: .utf8)
        #expect(
            documented == EventCatalog.markdown,
            "CATALOG.md differs from the code: HAASLEDGER_WRITE_CATALOG=1 tools/test --filter EventCatalogTests")
    }

    @Test func typeNamesAreUniqueAndFindable() {
        #expect(Set(EventCatalog.all.map(\.name)).count == EventCatalog.all.count)
        for type in EventCatalog.all { #expect(EventCatalog.type(named: type.name) == type) }
        #expect(EventCatalog.type(named: "no.such.event") == nil)
    }

    @Test func upcastersBringOldPayloadsToTheCurrentShape() throws {
        let renamed = EventType.testingOnly(upcasters: [
            1: { payload in .object([("name", payload["title"] ?? .null)]) },
            2: { payload in .object([("name", payload["name"] ?? .null), ("tags", .array([]))]) },
        ])
        let old = try JSONParser.parse(#"{"title":"x"}"#)
        #expect(CanonicalJSON.string(try renamed.current(old, schemaVersion: 1)) == #"{"name":"x","tags":[]}"#)
        let now = try JSONParser.parse(#"{"name":"y","tags":[1]}"#)
        #expect(try renamed.current(now, schemaVersion: 3) == now)
        #expect(throws: CatalogError.newerVersion(type: renamed.name, version: 4, known: 3)) {
            try renamed.current(now, schemaVersion: 4)
        }
    }

    /// Fetch (with logs and charts), import of every cache layout, and metrics: every event they record is of a
    /// catalogued type, written under its version, with the members the catalog promises and no others.
    @Test func everyRecordedEventHasItsCataloguedShape() async throws {
        let directory = try TemporaryDirectory(prefix: "haasledger-catalog")
        let location = LedgerLocation(root: directory.appending("ledger"))
        let configuration = SimulatorConfiguration(seed: 3, labs: 2, backtestsPerLab: 4, runningLabs: 1)
        _ = try await withRunningSimulator(configuration) { server in
            try await FetchService(location: location).run(
                FetchRequest(
                    client: HaasClientConfiguration(
                        server: HaasServer(host: "127.0.0.1", port: server.port),
                        credentials: HaasCredentials(email: configuration.email, password: configuration.password),
                        retry: RetryPolicy(maxAttempts: 2, baseDelay: .zero)),
                    labs: .ids(["nosuchlab"] + SimulatedWorld(configuration: configuration).labs.map(\.id)),
                    runtimes: true, logs: true, charts: true))
        }
        let cache = directory.appending("cache")
        _ = try PyHaasCacheWriter(world: SimulatedWorld(configuration: configuration)).write(to: cache)
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: cache + "/data/history_cutoffs.json"))
        _ = try ImportService(location: location).run(
            ImportRequest(paths: [cache], dryRun: false, serverLabel: "s", workingDirectory: "/"), onFile: { _ in })
        var seen = Set<String>()
        for event in try location.recordedEvents() {
            let type = try #require(EventCatalog.type(named: event.type), "\(event.type) is not in the catalog")
            seen.insert(type.name)
            #expect(event.schemaVersion == type.version, "\(type) at \(event.position)")
            let payload = try event.payload.json
            #expect(type.missingMembers(of: payload).isEmpty, "\(type) at \(event.position) lacks members")
            #expect(type.unlistedMembers(of: payload).isEmpty, "\(type) at \(event.position) has unlisted members")
        }
        let expected: [EventType] = [
            .runStarted, .runFinished, .responseRecorded, .labObserved, .resultObserved, .resultsReconciled,
            .runtimeFetched, .logFetched, .chartFetched, .fileImported, .importFailed, .metricsComputed,
            .fetchFailed, .cutoffRecorded,
        ]
        #expect(Set(expected.map(\.name)).subtracting(seen).isEmpty, "not exercised: \(Set(expected.map(\.name)).subtracting(seen))")
    }
}

extension EventCatalogTests {
    /// Readers see payloads through the catalog: a version written by a newer build is refused, not misread.
    @Test func readersRefuseAVersionFromANewerBuild() throws {
        let directory = try TemporaryDirectory(prefix: "haasledger-catalog-version")
        let service = LogService(location: LedgerLocation(root: directory.appending("ledger")), clock: ManualClock())
        let line = #"{"stream":"lab:L","type":"haas.lab.observed","payload":{"lab_id":"L"},"schema_version":9}"#
        _ = try service.append(LineSource(name: "stdin", bytes: Array(line.utf8)))
        let event = try #require(try service.location.recordedEvents().first)
        #expect(throws: CatalogError.newerVersion(type: "haas.lab.observed", version: 9, known: 1)) {
            try event.currentPayload()
        }
        #expect(throws: CatalogError.self) { try ReadModelService(location: service.location).labs(at: .now) }
    }
}
