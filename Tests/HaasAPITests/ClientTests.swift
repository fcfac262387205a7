import HaasAPI
import HaasSimulator
import Testing

@Suite struct ClientTests {
    @Test(arguments: [1, 7, 40, 100, 1000])
    func pagesCoverEveryBacktestOnce(pageLength: Int) async throws {
        try await withSimulator(SimulatorConfiguration(labs: 2, backtestsPerLab: 37)) { client, server, _ in
            for lab in server.world.labs {
                let results = try await client.allBacktestResults(labID: lab.id, pageLength: pageLength)
                #expect(results.records.map(\.record.backtestID) == lab.backtests.map(\.id))
                #expect(results.duplicatesDropped == 0)
                #expect(results.stop == .emptyPage)
                #expect(results.pages.count == (37 + pageLength - 1) / pageLength + 1)
            }
        }
    }

    @Test func readsLabsRuntimesAndBothSummarySpellings() async throws {
        try await withSimulator(SimulatorConfiguration(labs: 2, backtestsPerLab: 3)) { client, server, _ in
            let labs = try await client.labs().value
            #expect(labs.map(\.labID) == server.world.labs.map(\.id))
            #expect(labs.allSatisfy { $0.completedBacktests == 3 && $0.status == 3 })
            for lab in server.world.labs {
                let details = try await client.labDetails(labID: lab.id).value
                #expect(details.parameters != nil && details.config != nil && details.settings != nil)
                let page = try await client.backtestResultPage(labID: lab.id, nextPageID: 0, pageLength: 10).value
                let summary = try #require(page.items.first?.summary)
                #expect(summary.returnOnInvestment != nil && summary.realizedProfits != nil && summary.trades != nil)
                let backtest = lab.backtests[0]
                let runtime = try await client.backtestRuntime(labID: lab.id, backtestID: backtest.id).value
                let profits = try #require(runtime.primaryReport?.profits)
                let fees = try #require(runtime.primaryReport?.fees?.totalFeeCosts)
                // The simulator keeps the server's arithmetic.
                #expect(abs((profits.grossProfits ?? 0) - fees - (profits.realizedProfits ?? 0)) < 1e-6)
                let roi = (profits.realizedProfits ?? 0) / (profits.roiMargin ?? 1) * 100
                #expect(abs(roi - (profits.returnOnInvestment ?? 0)) < 0.0001)
                #expect(runtime.botID == backtest.id)
            }
            let history = try await client.historyStatus().value
            #expect(history["BINANCE_BTC_USDT_"]?.status == 3)
        }
    }

    @Test func everyExchangeIsReportedWithoutCredentials() async throws {
        let configuration = SimulatorConfiguration(labs: 1, backtestsPerLab: 2)
        try await withSimulator(configuration) { client, server, log in
            let lab = server.world.labs[0]
            _ = try await client.backtestRuntime(labID: lab.id, backtestID: lab.backtests[0].id)
            let exchanges = log.exchanges
            #expect(
                exchanges.map(\.channel) == [
                    "LOGIN_WITH_CREDENTIALS", "LOGIN_WITH_ONE_TIME_CODE", "GET_BACKTEST_RUNTIME",
                ])
            #expect(
                exchanges.allSatisfy {
                    Set($0.parameters.keys).isDisjoint(with: ["email", "password", "interfacekey", "userid", "pincode"])
                })
            #expect(exchanges[0].method == "POST", "credentials never travel in the URL")
            #expect(exchanges[0].body.isEmpty && exchanges[1].body.isEmpty, "login bodies are not kept")
            let runtime = exchanges[2]
            #expect(runtime.redactions > 0, "the runtime echoes the login e-mail as UserId")
            let text = String(decoding: runtime.body, as: UTF8.self)
            #expect(!text.contains(configuration.email))
            #expect(text.contains("\"UserId\":\"<redacted>\""))
            #expect(runtime.parameters == ["labid": lab.id, "backtestid": lab.backtests[0].id])
        }
    }

    @Test func htmlWithStatus200IsAProtocolError() async throws {
        var configuration = SimulatorConfiguration(labs: 1, backtestsPerLab: 1)
        configuration.faults.html = 1
        try await withSimulator(configuration, retry: RetryPolicy(maxAttempts: 2, baseDelay: .zero)) { client, _, log in
            let error = await #expect(throws: HaasAPIError.self) { try await client.labs() }
            guard case .protocolViolation(let channel, let status, let reason)? = error else {
                Issue.record("expected a protocol violation, got \(String(describing: error))")
                return
            }
            #expect(channel == "GET_LABS")
            #expect(status == 200)
            #expect(reason.contains("HTML"))
            #expect(log.exchanges.filter { $0.channel == "GET_LABS" }.count == 2, "retried, and both attempts reported")
        }
    }

    @Test func refusesURLsWithCredentialsOrPaths() {
        #expect(throws: HaasAPIError.self) { try HaasServer(url: "http://user:pw@127.0.0.1:8090") }
        #expect(throws: HaasAPIError.self) { try HaasServer(url: "http://127.0.0.1:8090/LabsAPI.php") }
        #expect(throws: HaasAPIError.self) { try HaasServer(url: "ftp://127.0.0.1") }
        #expect((try? HaasServer(url: "http://127.0.0.1:8090/"))?.description == "http://127.0.0.1:8090")
    }

    @Test func logsInAgainWhenTheSessionExpires() async throws {
        var configuration = SimulatorConfiguration(labs: 1, backtestsPerLab: 12)
        configuration.faults.expireAfterCalls = 4
        try await withSimulator(configuration, concurrency: 1) { client, server, log in
            let lab = server.world.labs[0]
            for backtest in lab.backtests {
                _ = try await client.backtestRuntime(labID: lab.id, backtestID: backtest.id)
            }
            let logins = log.exchanges.filter { $0.channel == "LOGIN_WITH_ONE_TIME_CODE" }.count
            #expect(logins == 3)
            let refused = log.exchanges.filter { $0.envelopeSuccess == nil && $0.failure != nil }
            #expect(refused.allSatisfy { $0.failure?.description.contains("Session expired") == true })
        }
    }

    @Test(arguments: ["504:1", "429:1", "500:1", "html:1", "truncate:1"])
    func eachFaultKindIsRetriedAndReported(spec: String) async throws {
        var configuration = SimulatorConfiguration(labs: 1, backtestsPerLab: 1)
        configuration.faults = try FaultPlan(spec: spec)
        try await withSimulator(configuration, retry: RetryPolicy(maxAttempts: 3, baseDelay: .zero)) { client, _, log in
            await #expect(throws: HaasAPIError.self) { try await client.labs() }
            let attempts = log.exchanges.filter { $0.channel == "GET_LABS" }
            #expect(attempts.map(\.attempt) == [1, 2, 3])
            #expect(attempts.allSatisfy { $0.failure != nil })
        }
    }

    @Test func underTwentyPercentMixedFaultsEveryBacktestArrives() async throws {
        var configuration = SimulatorConfiguration(seed: 7, labs: 2, backtestsPerLab: 60)
        configuration.faults = try FaultPlan(spec: "504:0.06,429:0.04,html:0.05,truncate:0.05,expire:40")
        try await withSimulator(configuration) { client, server, log in
            var runtimes = 0
            for lab in server.world.labs {
                let results = try await client.allBacktestResults(labID: lab.id, pageLength: 25)
                #expect(results.records.count == 60)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for backtest in lab.backtests {
                        group.addTask { _ = try await client.backtestRuntime(labID: lab.id, backtestID: backtest.id) }
                    }
                    for try await _ in group { runtimes += 1 }
                }
            }
            #expect(runtimes == 120)
            let failed = log.exchanges.filter { $0.failure != nil }
            #expect(failed.count > 10, "faults were injected: \(failed.count)")
        }
    }

    @Test func faultSpecErrorsNameTheItem() {
        #expect(throws: FaultPlan.SpecError(item: "503:2", reason: "the share must be a number from 0 to 1")) {
            try FaultPlan(spec: "504:0.1,503:2")
        }
        #expect(throws: FaultPlan.SpecError.self) { try FaultPlan(spec: "meteor:0.1") }
        #expect(throws: FaultPlan.SpecError.self) { try FaultPlan(spec: "504") }
        #expect((try? FaultPlan(spec: "504:0.1,html:0.05,truncate:0.05,expire:50"))?.expireAfterCalls == 50)
    }
}
