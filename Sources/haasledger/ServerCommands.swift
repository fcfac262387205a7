import ArgumentParser
import EventLog
import Foundation
import HaasAPI
import HaasSimulator
import JSON
import Ledger
import Projections

#if canImport(Glibc)
    import Glibc
#endif

/// Server connection flags shared by `fetch`, `watch` and `history-status`.
struct ServerOptions: ParsableArguments {
    @Option(
        help:
            "The Trade Server, e.g. http://127.0.0.1:8090 (default: $HAAS_SERVER_URL, or API_HOST + API_PORT, or .env)."
    )
    var server: String?
    @Option(help: "Login e-mail (default: $HAAS_EMAIL / $API_EMAIL / .env).") var email: String?
    @Option(help: "Login password (prefer $HAAS_PASSWORD / $API_PASSWORD / .env: a flag is visible in `ps`).")
    var password: String?
    @Option(help: "Requests in flight at once.") var concurrency: Int = 4
    @Option(name: .customLong("politeness-ms"), help: "Pause after each request, in milliseconds.") var politenessMs:
        Int = 0
    @Option(help: "Attempts per request before giving up (backoff with jitter between them).") var attempts: Int = 6

    func validate() throws {
        if concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        if politenessMs < 0 { throw ValidationError("--politeness-ms cannot be negative") }
        if attempts < 1 { throw ValidationError("--attempts must be at least 1") }
    }

    func clientConfiguration() throws -> HaasClientConfiguration {
        let (server, credentials) = try ServerSettings.resolve(
            serverFlag: self.server, emailFlag: email, passwordFlag: password, environment: ProcessEnvironment.values)
        return HaasClientConfiguration(
            server: server, credentials: credentials, concurrency: concurrency,
            politenessDelay: .milliseconds(politenessMs), retry: RetryPolicy(maxAttempts: attempts))
    }
}

/// Progress on stderr when it is a terminal; silent in pipes.
enum ProgressLine {
    static var enabled: Bool { isatty(STDERR_FILENO) == 1 }

    static func show(_ progress: FetchProgress) {
        guard enabled else { return }
        let text =
            progress.phase == "done" ? "\r\u{1B}[K" : "\r\u{1B}[K\(progress.phase): \(progress.done)/\(progress.total)"
        FileHandleOutput.standardError(text, newline: false)
    }
}

struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch", abstract: "Record labs, backtest results and (optionally) runtimes from a Trade Server.",
        discussion: "Every HTTP exchange is recorded with its body; failures are recorded as fetch.failed events.")
    @OptionGroup var options: LedgerOption
    @OptionGroup var serverOptions: ServerOptions
    @Option(name: .customLong("lab"), help: "A lab id to fetch (repeatable).") var labs: [String] = []
    @Flag(name: .customLong("all-labs"), help: "Fetch every lab the server lists.") var allLabs = false
    @Flag(help: "Also fetch each backtest's runtime (skips ones already recorded).") var runtimes = false
    @Flag(help: "Also fetch each backtest's log (slow on real servers).") var logs = false
    @Flag(help: "Also fetch each backtest's chart (0.5–0.8 MB each on real servers).") var charts = false
    @Flag(help: "Fetch runtimes again even when already recorded.") var refresh = false
    @Option(name: .customLong("page-length"), help: "Results per page (1–1000).") var pageLength: Int = 100
    @Option(help: "table or json.") var format: RecordFormat = .table

    func validate() throws {
        if labs.isEmpty == !allLabs { throw ValidationError("give either --lab ID (one or more) or --all-labs") }
        if !(1...1000).contains(pageLength) { throw ValidationError("--page-length must be from 1 to 1000") }
    }

    func run() async throws {
        try await reportingFailures {
            let request = FetchRequest(
                client: try serverOptions.clientConfiguration(), labs: allLabs ? .all : .ids(labs), runtimes: runtimes,
                logs: logs, charts: charts, pageLength: pageLength, refresh: refresh)
            let service = FetchService(location: options.location, clock: try options.clock())
            let summary = try await service.run(request, progress: ProgressLine.show)
            try FetchOutput.print(summary, format: format)
            if summary.failures > 0 {
                throw LedgerError.partialFailure(
                    "\(summary.failures) call(s) failed after retries; see fetch.failed events")
            }
        }
    }
}

enum FetchOutput {
    static func print(_ summary: FetchSummary, format: RecordFormat) throws {
        let output = try OutputSink(path: nil)
        switch format {
        case .json: try output.writeLine(CanonicalJSON.encode(summary.json))
        case .table:
            let rows: [[String]] = [
                ["run", summary.runID.description], ["labs", String(summary.labs)],
                ["backtests", String(summary.backtests)],
                ["runtimes fetched", String(summary.runtimesFetched)],
                ["runtimes skipped (already recorded)", String(summary.runtimesSkipped)],
                ["logs fetched", String(summary.logsFetched)], ["charts fetched", String(summary.chartsFetched)],
                ["labs whose count differs from CB", String(summary.countMismatches)],
                ["failures", String(summary.failures)],
                ["HTTP exchanges", String(summary.exchanges)], ["body bytes", String(summary.bodyBytes)],
                ["events recorded", String(summary.events)], ["seconds", String(format: "%.2f", summary.seconds)],
            ]
            for line in TableRenderer(columns: [.init("FETCH"), .init("")]).render(rows, header: false) {
                try output.writeLine(line)
            }
        }
        try output.finish()
    }
}

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Poll a lab's execution until it is done, recording each change.")
    @OptionGroup var options: LedgerOption
    @OptionGroup var serverOptions: ServerOptions
    @Option(help: "The lab to watch.") var lab: String
    @Option(help: "Seconds between polls.") var interval: Double = 5

    func validate() throws {
        if interval < 0 { throw ValidationError("--interval cannot be negative") }
    }

    func run() async throws {
        try await reportingFailures {
            let output = try OutputSink(path: nil)
            let summary = try await WatchService(location: options.location, clock: try options.clock()).run(
                client: try serverOptions.clientConfiguration(), labID: lab,
                interval: .milliseconds(Int(interval * 1000))
            ) { update in
                FileHandleOutput.standardError(
                    "status \(update.status.map(String.init) ?? "?") progress \(update.progress.map { String($0) } ?? "?")% completed \(update.completedBacktests.map(String.init) ?? "?")"
                )
            }
            try output.writeLine(
                "\(summary.polls) polls, \(summary.changes) changes recorded; final status \(summary.finalStatus.map(String.init) ?? "unknown")"
            )
            try output.finish()
        }
    }
}

struct HistoryStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history-status", abstract: "Record the server's market history sync status.")
    @OptionGroup var options: LedgerOption
    @OptionGroup var serverOptions: ServerOptions

    func run() async throws {
        try await reportingFailures {
            let entries = try await HistoryStatusService(location: options.location, clock: try options.clock()).run(
                client: try serverOptions.clientConfiguration())
            let output = try OutputSink(path: nil)
            let rows = entries.map {
                [
                    $0.market, $0.status.map(String.init) ?? "-", $0.status == 3 ? "yes" : "no",
                    $0.maxMonths.map(String.init) ?? "-",
                ]
            }
            for line in TableRenderer(columns: [
                .init("MARKET"), .init("STATUS", rightAligned: true), .init("SYNCHED"),
                .init("MAX MONTHS", rightAligned: true),
            ]).render(rows) {
                try output.writeLine(line)
            }
            try output.finish()
        }
    }
}

/// Flags describing a simulated server, shared by `simulate` and `demo`.
struct SimulatorOptions: ParsableArguments {
    @Option(help: "Seed: the same seed serves the same data.") var seed: UInt64 = 1
    @Option(help: "Number of labs.") var labs: Int = 3
    @Option(help: "Backtests per lab.") var backtests: Int = 40
    @Option(help: "Revision: each one after 1 re-runs a deterministic ~20 % of the backtests.") var revision: Int = 1
    @Option(help: "Faults, e.g. 504:0.1,html:0.05,truncate:0.05,expire:50,429:0.05,latency:20") var faults: String = ""
    @Option(name: .customLong("running-labs"), help: "How many labs are still executing at start.") var runningLabs:
        Int = 0

    func validate() throws {
        if labs < 0 || backtests < 0 { throw ValidationError("--labs and --backtests cannot be negative") }
        if revision < 1 { throw ValidationError("--revision must be at least 1") }
        if runningLabs > labs { throw ValidationError("--running-labs cannot exceed --labs") }
        do { _ = try FaultPlan(spec: faults) } catch { throw ValidationError(error.description) }
    }

    func configuration() throws -> SimulatorConfiguration {
        SimulatorConfiguration(
            seed: seed, labs: labs, backtestsPerLab: backtests, revision: revision,
            faults: try FaultPlan(spec: faults), runningLabs: runningLabs)
    }
}

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a HaasOnline-compatible server with deterministic data (Ctrl-C to stop).")
    @Option(help: "Port to listen on (0 picks a free one).") var port: Int = 8090
    @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
    @OptionGroup var simulator: SimulatorOptions
    @Option(
        name: .customLong("write-cache"),
        help: "Instead of serving, write the world as pyHaasAPI cache folders (every layout) under DIR, for import.")
    var writeCache: String?

    func run() async throws {
        try await reportingFailures {
            let configuration = try simulator.configuration()
            if let writeCache {
                let files = try PyHaasCacheWriter(world: SimulatedWorld(configuration: configuration))
                    .write(to: writeCache)
                FileHandleOutput.standardError("wrote \(files.count) pyHaasAPI cache files under \(writeCache)")
                return
            }
            let server = try await SimulatorServer.start(configuration: configuration, host: host, port: port)
            FileHandleOutput.standardError(
                "simulating a Trade Server at http://\(host):\(server.port) — \(configuration.labs) labs × \(configuration.backtestsPerLab) backtests, revision \(configuration.revision); log in with \(configuration.email) / \(configuration.password)"
            )
            try await server.waitUntilStopped()
        }
    }
}

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Fetch from an in-process simulator, verify, show the top 10; fetch a revision, show the diff.")
    @Option(name: .long, help: "The ledger directory.") var ledger: String = "./haasledger-demo"
    @OptionGroup var simulator: SimulatorOptions

    func run() async throws {
        try await reportingFailures {
            let location = LedgerLocation(root: ledger)
            let output = try OutputSink(path: nil)
            let clock = try ClockSetting.resolve(environment: ProcessEnvironment.values)
            var configuration = try simulator.configuration()
            _ = try await fetch(configuration, into: location, clock: clock, refresh: false, output: output)
            let between = try location.openLog(create: false).read { try $0.head()?.position ?? 0 }

            try {
                // Scoped: the log is closed again before the read models open it.
                let log = try location.openLog(create: false)
                let report = try log.verify()
                guard report.isValid, let head = report.head else {
                    throw LedgerError.integrity(VerifyPresentation.failureSummary(report))
                }
                try output.writeLine(
                    "verify: ok — \(report.eventsChecked) events and \(report.blobsChecked) blobs checked; head \(head.position) \(head.hash.hex)"
                )
                try output.writeLine("")
                for line in try LedgerOverview.read(log).lines { try output.writeLine(line) }
            }()
            let service = ReadModelService(location: location)
            try output.writeLine(
                "top 10 backtests by computed total return (canonical@1; E0 = RM, so ×100 = the server's ROI):")
            let top = try service.backtests(BacktestQuery(sort: "total_return", limit: 10), at: .now)
            for line in top.selecting([
                "backtest_id", "market", "total_return", "max_drawdown", "sharpe_ratio", "win_rate", "num_trades",
            ])
            .lines(.table) { try output.writeLine(line) }

            configuration.revision += 1
            try output.writeLine("")
            try output.writeLine(
                "the server re-runs some backtests (revision \(configuration.revision)); fetching again with --refresh:"
            )
            _ = try await fetch(configuration, into: location, clock: clock, refresh: true, output: output)
            let diff = try service.diff(from: .position(between), to: .now, lab: nil, formula: "canonical@1")
            try output.writeLine(
                "diff between the two fetches (\(diff.rows.count) backtests changed; rank by total return):")
            for line in diff.selecting([
                "change", "backtest_id", "rank_from", "rank_to", "total_return", "total_return_delta",
                "sharpe_ratio_delta",
            ]).lines(.table).prefix(16) { try output.writeLine(line) }
            try output.finish()
        }
    }

    private func fetch(
        _ configuration: SimulatorConfiguration, into location: LedgerLocation, clock: any LedgerClock,
        refresh: Bool, output: OutputSink
    ) async throws -> FetchSummary {
        let server = try await SimulatorServer.start(configuration: configuration)
        do {
            try output.writeLine(
                "simulator: http://127.0.0.1:\(server.port) (seed \(configuration.seed), \(configuration.labs) labs × \(configuration.backtestsPerLab) backtests, revision \(configuration.revision))"
            )
            let request = FetchRequest(
                client: HaasClientConfiguration(
                    server: HaasServer(host: "127.0.0.1", port: server.port),
                    credentials: HaasCredentials(email: configuration.email, password: configuration.password)),
                labs: .all, runtimes: true, refresh: refresh)
            let summary = try await FetchService(location: location, clock: clock).run(
                request, progress: ProgressLine.show)
            await server.stop()
            try output.writeLine("ledger: \(location.root)")
            try output.writeLine(
                "fetched \(summary.labs) labs, \(summary.backtests) backtests, \(summary.runtimesFetched) runtimes (\(summary.runtimesSkipped) already recorded) in \(String(format: "%.2f", summary.seconds)) s over \(summary.exchanges) HTTP exchanges; \(summary.failures) failures"
            )
            return summary
        } catch {
            await server.stop()
            throw error
        }
    }
}
