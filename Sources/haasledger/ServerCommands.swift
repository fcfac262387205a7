import ArgumentParser
import Foundation
import Ledger

/// Server connection flags shared by `fetch`, `watch` and `history-status`.
struct ServerOptions: ParsableArguments {
    @Option(
        help:
            "The Trade Server, e.g. http://127.0.0.1:8090 (default: $HAAS_SERVER_URL, or API_HOST + API_PORT, or .env, or the config file's [server] url)."
    )
    var server: String?
    @Option(help: "Login e-mail (default: $HAAS_EMAIL / $API_EMAIL / .env / the config file's [server] email).")
    var email: String?
    @Option(help: "Login password (prefer $HAAS_PASSWORD / $API_PASSWORD / .env: a flag is visible in `ps`).")
    var password: String?
    @Option(help: "Requests in flight at once (default: the config file's, else 4).") var concurrency: Int?
    @Option(
        name: .customLong("politeness-ms"),
        help: "Pause after each request, in milliseconds (default: the config file's, else 0).")
    var politenessMs: Int?
    @Option(
        help: "Attempts per request before giving up, with backoff and jitter (default: the config file's, else 6).")
    var attempts: Int?
    @Option(
        help:
            "Seconds to wait for one answer before retrying (default: the config file's, else 30; logs and charts get at least 180)."
    )
    var timeout: Double?

    var connection: ServerConnection {
        ServerConnection(
            server: server, email: email, password: password, concurrency: concurrency,
            politenessMilliseconds: politenessMs, attempts: attempts, timeoutSeconds: timeout)
    }

    func validate() throws {
        if let problem = connection.problem { throw ValidationError(problem) }
    }
}

struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch", abstract: "Record labs, backtest results and (optionally) runtimes from a Trade Server.",
        discussion: "Every HTTP exchange is recorded with its body; failures are recorded as fetch.failed events.")
    @OptionGroup var options: LedgerOption
    @OptionGroup var serverOptions: ServerOptions
    @OptionGroup var writer: WriterOptions
    @Option(name: .customLong("lab"), help: "A lab id to fetch (repeatable).") var labs: [String] = []
    @Flag(name: .customLong("all-labs"), help: "Fetch every lab the server lists.") var allLabs = false
    @Flag(help: "Also fetch each backtest's runtime (skips ones already recorded).") var runtimes = false
    @Flag(help: "Also fetch each backtest's log (slow on real servers).") var logs = false
    @Flag(help: "Also fetch each backtest's chart (0.5–0.8 MB each on real servers).") var charts = false
    @Flag(help: "Fetch runtimes again even when already recorded.") var refresh = false
    @Option(name: .customLong("page-length"), help: "Results per page (1–1000).") var pageLength: Int = 100
    @Option(help: recordingFormulaHelp) var formula: String?
    @Option(help: "table or json.") var format: RecordFormat = .table

    func validate() throws {
        if labs.isEmpty == !allLabs { throw ValidationError("give either --lab ID (one or more) or --all-labs") }
        if !(1...1000).contains(pageLength) { throw ValidationError("--page-length must be from 1 to 1000") }
    }

    func run() async throws {
        let request = FetchRequest(
            client: try serverOptions.connection.clientConfiguration(configuration: try options.configuration),
            labs: allLabs ? .all : .ids(labs),
            runtimes: runtimes, logs: logs, charts: charts, pageLength: pageLength, refresh: refresh,
            formulas: try options.formulas(formula))
        var service = FetchService(location: try options.location, clock: try ClockSetting.fromEnvironment())
        service.writerPolicy = writer.policy
        let summary = try await service.run(request, progress: ProgressLine.show)
        try printLines(format == .json ? [summary.jsonLine] : summary.tableLines)
        for message in summary.failureMessages { StandardError.write(message) }
        if summary.failures > 0 {
            throw LedgerError.partialFailure(
                "\(summary.failures) call(s) failed after retries; see fetch.failed events")
        }
    }
}

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Poll a lab's execution until it is done, recording each change.")
    @OptionGroup var options: LedgerOption
    @OptionGroup var serverOptions: ServerOptions
    @OptionGroup var writer: WriterOptions
    @Option(help: "The lab to watch.") var lab: String
    @Option(help: "Seconds between polls.") var interval: Double = 5

    func validate() throws {
        if interval < 0 { throw ValidationError("--interval cannot be negative") }
    }

    func run() async throws {
        var service = WatchService(location: try options.location, clock: try ClockSetting.fromEnvironment())
        service.writerPolicy = writer.policy
        let summary = try await service.run(
            client: try serverOptions.connection.clientConfiguration(configuration: try options.configuration),
            labID: lab,
            interval: .milliseconds(Int(interval * 1000))
        ) { update in StandardError.write(WatchService.changeLine(update)) }
        try printLines([summary.line])
    }
}

struct HistoryStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history-status", abstract: "Record the server's market history sync status.")
    @OptionGroup var options: LedgerOption
    @OptionGroup var serverOptions: ServerOptions
    @OptionGroup var writer: WriterOptions

    func run() async throws {
        var service = HistoryStatusService(location: try options.location, clock: try ClockSetting.fromEnvironment())
        service.writerPolicy = writer.policy
        try printLines(
            HistoryStatusService.tableLines(
                try await service.run(
                    client: try serverOptions.connection.clientConfiguration(configuration: try options.configuration)))
        )
    }
}

/// Flags describing a simulated server, shared by `simulate` and `demo`.
struct SimulatorOptions: ParsableArguments {
    @Option(help: "Seed: the same seed serves the same data.") var seed: UInt64 = 1
    @Option(help: "Number of labs.") var labs: Int = 3
    @Option(help: "Backtests per lab.") var backtests: Int = 40
    @Option(help: "Revision: each one after 1 re-runs a deterministic ~20 % of the backtests.") var revision: Int = 1
    @Option(
        help:
            "Faults, e.g. 504:0.1,html:0.05,truncate:0.05,lost:0.1,expire:50,429:0.05,latency:20 (lost: the server acts, the reply is lost)"
    ) var faults: String = ""
    @Option(name: .customLong("running-labs"), help: "How many labs are still executing at start.") var runningLabs:
        Int = 0

    var settings: SimulatorSettings {
        SimulatorSettings(
            seed: seed, labs: labs, backtests: backtests, revision: revision, faults: faults, runningLabs: runningLabs)
    }

    func validate() throws {
        if let problem = settings.problem { throw ValidationError(problem) }
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
    @Option(
        name: .customLong("request-log"),
        help: "Write one NDJSON line per request (endpoint, channel, parameters without credentials) to FILE.")
    var requestLog: String?

    func validate() throws {
        if !(0...65_535).contains(port) { throw ValidationError("--port must be from 0 to 65535 (0 picks a free one)") }
    }

    func run() async throws {
        if let writeCache {
            let files = try SimulatorService.writeCache(simulator.settings, to: writeCache)
            StandardError.write("wrote \(files) pyHaasAPI cache files under \(writeCache)")
            return
        }
        try await SimulatorService.serve(simulator.settings, host: host, port: port, requestLog: requestLog) {
            StandardError.write($0)
        }
    }
}

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract:
            "Fetch from an in-process simulator, verify, show the top 10; fetch a revision, show the diff; recompute under the new formula; run a backtest and a lab.")
    @Option(name: .long, help: "The ledger directory.") var ledger: String = "./haasledger-demo"
    @OptionGroup var simulator: SimulatorOptions
    @Flag(name: .customLong("observe-only"), help: "Skip the last step (running a backtest, a lab and a sweep).")
    var observeOnly = false

    func run() async throws {
        let output = try OutputSink(path: nil)
        try await DemoService(location: LedgerLocation(root: ledger), clock: try ClockSetting.fromEnvironment())
            .run(simulator.settings, produce: !observeOnly, output: output, progress: ProgressLine.show)
        try output.finish()
    }
}
