import EventLog
import EventLogTesting
import Foundation
import HaasAPI
import HaasSimulator
import JSON
import Ledger
import Testing

/// Fetch, watch and history-status against the in-process simulator.
@Suite struct FetchTests {
    let directory: TemporaryDirectory
    let location: LedgerLocation

    init() throws {
        directory = try TemporaryDirectory(prefix: "haasledger-fetch")
        location = LedgerLocation(root: directory.appending("ledger"))
    }

    func client(_ server: SimulatorServer, concurrency: Int = 4) -> HaasClientConfiguration {
        HaasClientConfiguration(
            server: HaasServer(host: "127.0.0.1", port: server.port),
            credentials: HaasCredentials(
                email: server.world.configuration.email, password: server.world.configuration.password),
            concurrency: concurrency, retry: RetryPolicy(maxAttempts: 8, baseDelay: .zero))
    }

    func events(_ type: String? = nil) throws -> [RecordedEvent] { try location.recordedEvents(type) }

    @Test func recordsLabsResultsRuntimesAndEveryExchange() async throws {
        let summary = try await withRunningSimulator(
            SimulatorConfiguration(seed: 11, labs: 2, backtestsPerLab: 15)
        ) { server in
            try await FetchService(location: location).run(
                FetchRequest(client: client(server), labs: .all, runtimes: true))
        }
        #expect(summary.labs == 2)
        #expect(summary.backtests == 30)
        #expect(summary.runtimesFetched == 30)
        #expect(summary.failures == 0)
        #expect(summary.countMismatches == 0)
        #expect(try events("haas.backtest.runtime.fetched").count == 30)
        #expect(try events("haas.backtest.result.observed").count == 30)
        #expect(try events("haas.lab.observed").count == 2)
        let responses = try events("haas.response.recorded")
        #expect(responses.count == summary.exchanges)
        // Every event of the run carries its correlation id.
        #expect(try events().allSatisfy { $0.correlationID == summary.runID })
        // Runtime events keep the server's values under their true names and link to the verbatim body.
        let runtime = try #require(try events("haas.backtest.runtime.fetched").first)
        let json = try runtime.payload.json
        let reported = try #require(json["reported"])
        let rp = try #require(reported["realized_profits"]?.numberValue?.doubleValue)
        let gp = try #require(reported["gross_profits"]?.numberValue?.doubleValue)
        let fees = try #require(reported["total_fee_costs"]?.numberValue?.doubleValue)
        #expect(abs(gp - fees - rp) < 1e-6)
        #expect(reported["roi_margin"] != nil && reported["max_drawdown"] == .null)
        let bodyHash = try #require(json["body_sha256"]?.stringValue)
        let body = try location.openLog(create: false).read { try $0.blob(SHA256Hash(hex: bodyHash)!) }
        #expect(body.map { String(decoding: $0, as: UTF8.self).contains("\"FinishedPositions\"") } == true)
        #expect(try location.openLog(create: false).verify().isValid)
    }

    @Test func noSecretReachesTheLog() async throws {
        var configuration = SimulatorConfiguration(seed: 12, labs: 1, backtestsPerLab: 10)
        configuration.faults = try FaultPlan(spec: "expire:6")
        try await withRunningSimulator(configuration) { server in
            _ = try await FetchService(location: location).run(
                FetchRequest(client: client(server, concurrency: 2), labs: .all, runtimes: true))
            let secrets = [configuration.email, configuration.password] + server.interfaceKeys
            #expect(server.interfaceKeys.count >= 2, "sessions expired and the client logged in again")
            let log = try location.openLog(create: false)
            var scanned = 0
            try log.read { reader in
                try reader.forEachEvent { event in
                    let envelope = CanonicalJSON.string(try event.envelopeJSON())
                    for secret in secrets {
                        #expect(!envelope.contains(secret), "event \(event.position) holds a secret")
                    }
                    for hash in event.blobHashes {
                        let blob = String(decoding: try reader.blob(hash) ?? [], as: UTF8.self)
                        for secret in secrets { #expect(!blob.contains(secret), "blob \(hash.hex) holds a secret") }
                        scanned += 1
                    }
                    return true
                }
            }
            #expect(scanned > 10)
            // The raw files, too.
            let data = try Data(contentsOf: URL(fileURLWithPath: location.logDirectory + "/data.mdb"))
            for secret in secrets { #expect(data.range(of: Data(secret.utf8)) == nil) }
        }
    }

    @Test func aSecondFetchSkipsRecordedRuntimesUnlessRefreshing() async throws {
        try await withRunningSimulator(SimulatorConfiguration(seed: 13, labs: 1, backtestsPerLab: 12)) { server in
            let service = FetchService(location: location)
            let request = FetchRequest(client: client(server), labs: .all, runtimes: true)
            _ = try await service.run(request)
            let second = try await service.run(request)
            #expect(second.runtimesFetched == 0)
            #expect(second.runtimesSkipped == 12)
            let runtimeCalls = try events("haas.response.recorded").filter {
                try $0.correlationID == second.runID && $0.payload.json["channel"] == .string("GET_BACKTEST_RUNTIME")
            }
            #expect(runtimeCalls.isEmpty, "a resumed fetch does not refetch")
            var refresh = request
            refresh.refresh = true
            let third = try await service.run(refresh)
            #expect(third.runtimesFetched == 12)
            #expect(try events("haas.backtest.runtime.fetched").count == 24)
        }
    }

    @Test func underMixedFaultsEveryBacktestIsFetchedAndFailuresAreRecorded() async throws {
        var configuration = SimulatorConfiguration(seed: 14, labs: 2, backtestsPerLab: 40)
        configuration.faults = try FaultPlan(spec: "504:0.06,429:0.04,html:0.05,truncate:0.05,expire:30")
        let summary = try await withRunningSimulator(configuration) { server in
            try await FetchService(location: location).run(
                FetchRequest(client: client(server), labs: .all, runtimes: true, pageLength: 15))
        }
        #expect(summary.failures == 0)
        #expect(summary.runtimesFetched == 80)
        let failedAttempts = try events("haas.response.recorded").filter { (try $0.payload.json)["failure"] != .null }
        #expect(failedAttempts.count > 5, "faulty attempts are recorded too")
        #expect(try location.openLog(create: false).verify().isValid)
    }

    @Test func callsThatFailAfterRetriesBecomeFetchFailedEvents() async throws {
        let summary = try await withRunningSimulator(
            SimulatorConfiguration(seed: 15, labs: 1, backtestsPerLab: 3)
        ) { server in
            try await FetchService(location: location).run(
                FetchRequest(
                    client: client(server), labs: .ids(["no-such-lab", server.world.labs[0].id]), runtimes: true))
        }
        #expect(summary.failures == 1)
        #expect(summary.runtimesFetched == 3)
        let failed = try #require(try events("fetch.failed").first)
        #expect(failed.stream == "lab:no-such-lab")
        #expect((try failed.payload.json)["error"]?.stringValue?.contains("Lab not found") == true)
        let finished = try #require(try events("run.finished").last)
        #expect((try finished.payload.json)["failures"] == .number(1))
    }

    @Test func logsAndChartsAreOptIn() async throws {
        try await withRunningSimulator(SimulatorConfiguration(seed: 18, labs: 1, backtestsPerLab: 4)) { server in
            let plain = try await FetchService(location: location).run(FetchRequest(client: client(server), labs: .all))
            #expect(plain.logsFetched == 0 && plain.chartsFetched == 0 && plain.runtimesFetched == 0)
            let full = try await FetchService(location: location).run(
                FetchRequest(client: client(server), labs: .all, logs: true, charts: true))
            #expect(full.logsFetched == 4 && full.chartsFetched == 4)
            let logs = try events("haas.backtest.log.fetched")
            #expect(logs.count == 4)
            let hash = try #require(try logs[0].payload.json["body_sha256"]?.stringValue)
            let body = try location.openLog(create: false).read { try $0.blob(SHA256Hash(hex: hash)!) }
            #expect(body.map { String(decoding: $0, as: UTF8.self).contains("Entered") } == true)
            #expect(try events("haas.backtest.chart.fetched").count == 4)
        }
    }

    @Test func watchRecordsAProgressTimeline() async throws {
        let summary = try await withRunningSimulator(
            SimulatorConfiguration(seed: 16, labs: 1, backtestsPerLab: 20, runningLabs: 1, pollsToComplete: 4)
        ) { server in
            try await WatchService(location: location).run(
                client: client(server), labID: server.world.labs[0].id, interval: .zero)
        }
        #expect(summary.finalStatus == 3)
        #expect(summary.line.hasSuffix("final status COMPLETED"), "a status by name: \(summary.line)")
        let timeline = try events("haas.lab.execution.updated").map { try $0.payload.json }
        #expect(timeline.count == summary.changes)
        let completed = timeline.compactMap { $0["completed_backtests"]?.numberValue?.int64Value }
        #expect(completed == [0, 5, 10, 15, 20])
        #expect(timeline.last?["status"] == .number(3))
    }

    /// `query labs` shows what `watch` recorded last, not what the fetch before it saw (issue 15 #5).
    @Test func queryLabsShowsWhatWatchRecorded() async throws {
        let lab = try await withRunningSimulator(
            SimulatorConfiguration(seed: 16, labs: 1, backtestsPerLab: 20, runningLabs: 1, pollsToComplete: 4)
        ) { server in
            _ = try await FetchService(location: location).run(FetchRequest(client: client(server), labs: .all))
            _ = try await WatchService(location: location).run(
                client: client(server), labID: server.world.labs[0].id, interval: .zero)
            return server.world.labs[0].id
        }
        let service = ReadModelService(location: location)
        func state(_ moment: ReadModelService.Moment) throws -> [ResultTable.Cell] {
            let table = try service.labs(at: moment)
            let row = try #require(table.rows.first { $0[0] == .text(lab) })
            return ["status", "completed_backtests"].map { row[table.columns.firstIndex(of: $0)!] }
        }
        #expect(try state(.now) == [.integer(3), .integer(20)])
        let updates = try events("haas.lab.execution.updated")
        let second = try #require(updates.dropFirst().first)
        #expect(try state(.position(second.position)) == [.integer(2), .integer(5)])
    }

    /// `password_command` in the config file gives the password when nothing else does (issue 12 §5).
    @Test func aPasswordCommandGivesThePasswordWhenNothingElseDoes() throws {
        var configuration = try LedgerConfiguration.parse(
            "[server]\nurl = \"http://127.0.0.1:8090\"\nemail = \"me@example.invalid\"\npassword_command = \"printf 's3cret\\\\nignored'\"\n",
            path: "/x/haasledger.toml")
        let (server, credentials) = try ServerSettings.resolve(
            serverFlag: nil, emailFlag: nil, passwordFlag: nil, environment: [:], dotEnvPath: "/nonexistent/.env",
            configuration: configuration)
        #expect(server.port == 8090 && credentials.email == "me@example.invalid" && credentials.password == "s3cret")
        // The environment wins, and the command is then not run at all.
        configuration.server.passwordCommand = "exit 3"
        let (_, fromEnvironment) = try ServerSettings.resolve(
            serverFlag: nil, emailFlag: nil, passwordFlag: nil, environment: ["HAAS_PASSWORD": "env"],
            dotEnvPath: "/nonexistent/.env", configuration: configuration)
        #expect(fromEnvironment.password == "env")
        #expect(
            throws: LedgerError.invalidFile(
                path: "/x/haasledger.toml", field: "server.password_command", reason: "exited with status 3")
        ) {
            try ServerSettings.resolve(
                serverFlag: nil, emailFlag: nil, passwordFlag: nil, environment: [:], dotEnvPath: "/nonexistent/.env",
                configuration: configuration)
        }
    }

    @Test func historyStatusIsRecordedPerMarket() async throws {
        let entries = try await withRunningSimulator(SimulatorConfiguration(seed: 17, labs: 0)) { server in
            try await HistoryStatusService(location: location).run(client: client(server))
        }
        #expect(entries.count == 5)
        let recorded = try events("haas.history.status.observed")
        #expect(Set(recorded.map(\.stream)) == Set(entries.map { "market:\($0.market)" }))
    }

    @Test func serverSettingsComeFromFlagsEnvironmentOrDotEnv() throws {
        let dotEnv = directory.appending(".env")
        try
            "# comment\nexport API_HOST=10.1.2.3\nAPI_PORT=9000\nAPI_EMAIL='me@example.invalid'\nAPI_PASSWORD=\"s3cret\" \n"
            .write(toFile: dotEnv, atomically: true, encoding: .utf8)
        let (server, credentials) = try ServerSettings.resolve(
            serverFlag: nil, emailFlag: nil, passwordFlag: nil, environment: [:], dotEnvPath: dotEnv)
        #expect(server.description == "http://10.1.2.3:9000")
        #expect(credentials.email == "me@example.invalid" && credentials.password == "s3cret")
        let (flagged, _) = try ServerSettings.resolve(
            serverFlag: "http://127.0.0.1:8090", emailFlag: nil, passwordFlag: nil,
            environment: ["HAAS_SERVER_URL": "http://ignored:1"], dotEnvPath: dotEnv)
        #expect(flagged.port == 8090)
        #expect(throws: LedgerError.self) {
            try ServerSettings.resolve(
                serverFlag: nil, emailFlag: nil, passwordFlag: nil, environment: [:], dotEnvPath: "/nonexistent")
        }
        #expect(!String(describing: credentials).contains("s3cret"))
        #expect(throws: LedgerError.malformedInput(source: dotEnv, line: 1, reason: "expected KEY=VALUE")) {
            try DotEnv.parse("garbage", path: dotEnv)
        }
    }
}
