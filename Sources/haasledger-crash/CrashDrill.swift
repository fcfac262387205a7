import EventLog
import Foundation
import HaasSimulator
import Platform

/// A check of the drill that did not hold, with what was seen.
struct DrillFailure: Error, CustomStringConvertible {
    let description: String
}

/// The commands the drill kills, one per round in turn.
enum DrillScenario: String, CaseIterable {
    case fetch, `import`, rebuild, backtest, lab
}

/// SIGKILLs `haasledger` at chosen points of fetch, import, rebuild, `backtest run` and `lab run`, each against
/// the in-process simulator, then checks what a user relies on: `log verify` is green, every batch committed
/// before the kill is still there, the same command again completes the work (never starting anything on the
/// server twice), and a rebuild of the read models gives the same answers.
final class CrashDrill {
    let work: String
    let server: SimulatorServer
    let commands: DrillCommands
    var random: SplitMix64
    /// Answers of a run that was never killed, per scenario that has one.
    private var references: [DrillScenario: String] = [:]
    private var progressLines: [DrillScenario: Int] = [:]
    private var cache: String { work + "/cache" }
    private var fetched: String { work + "/reference-fetch" }

    init(work: String, server: SimulatorServer, executable: String, seed: UInt64) {
        self.work = work
        self.server = server
        self.random = SplitMix64(seed: seed)
        commands = DrillCommands(
            executable: executable,
            environment: [
                "HAAS_EMAIL": server.world.configuration.email, "HAAS_PASSWORD": server.world.configuration.password,
                "HAASLEDGER_PROGRESS": "lines", "HAASLEDGER_CLOCK": "2026-11-02T09:00:00Z", "HAASLEDGER_PATH": "",
            ])
    }

    var url: String { "http://127.0.0.1:\(server.port)" }

    /// Runs the uncrashed references: a fetch, an import of the simulator's caches, and a rebuild.
    func prepare() throws {
        let configuration = server.world.configuration
        try expectSuccess([
            "simulate", "--write-cache", cache, "--seed", String(configuration.seed), "--labs",
            String(configuration.labs), "--backtests", String(configuration.backtestsPerLab),
        ])
        try expectSuccess(fetch(fetched))
        references[.fetch] = try answers(fetched, ["backtests", "labs"])
        references[.rebuild] = references[.fetch]
        let imported = work + "/reference-import"
        let importRun = try expectSuccess(importCommand(imported))
        progressLines[.import] = importRun.stderr.split(separator: "\n").filter { $0.hasPrefix("import:") }.count
        references[.import] = try answers(imported, ["backtests", "labs", "cutoffs", "cache"])
        let rebuild = try expectSuccess(["project", "rebuild", "--ledger", fetched])
        progressLines[.rebuild] = rebuild.stderr.split(separator: "\n").filter { $0.hasPrefix("rebuild:") }.count
    }

    /// One round: the scenario's command killed at a random point, then every check. Returns what happened.
    func round(_ number: Int, _ scenario: DrillScenario) async throws -> String {
        let ledger = work + "/round-\(number)-\(scenario.rawValue)"
        let base = { (channel: String) in self.server.receivedRequests.filter { $0.channel == channel }.count }
        var arguments: [String]
        var rerun: [String]
        let point: KillPoint
        var backtestID: String?
        var labID: String?
        switch scenario {
        case .fetch:
            arguments = fetch(ledger)
            rerun = arguments
            let runtimes = server.world.configuration.labs * server.world.configuration.backtestsPerLab
            point = .request(channel: "GET_BACKTEST_RUNTIME", number: base("GET_BACKTEST_RUNTIME") + pick(1...runtimes))
        case .import:
            arguments = importCommand(ledger)
            rerun = arguments
            point = .progressLine(prefix: "import:", number: pick(1...max(1, progressLines[.import] ?? 1)))
        case .rebuild:
            try FileManager.default.copyItem(atPath: fetched, toPath: ledger)
            arguments = ["project", "rebuild", "--ledger", ledger]
            rerun = arguments
            // Not after the last line: only the rename is left by then.
            point = .progressLine(prefix: "rebuild:", number: pick(1...max(1, (progressLines[.rebuild] ?? 2) - 1)))
        case .backtest:
            let id = UUID(uuid: uuid()).uuidString.lowercased()
            backtestID = id
            arguments = backtestRun(ledger, id: id)
            rerun = arguments
            // The start, or one of the status polls; the last poll's answer carries the runtime.
            let channel = ["EXECUTE_BACKTEST", "GET_BACKTEST_INFO"][pick(0...1)]
            let number = channel == "GET_BACKTEST_INFO" ? pick(1...server.world.configuration.pollsToComplete + 1) : 1
            point = .request(channel: channel, number: base(channel) + number)
        case .lab:
            let created = try expectSuccess(labCreate(ledger, name: "drill \(number)"))
            let id = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            labID = id
            arguments = labRun(ledger, lab: id)
            rerun = arguments + ["--resume"]
            let channel = ["START_LAB_EXECUTION", "GET_LAB_EXECUTION_UPDATE", "GET_BACKTEST_RUNTIME"][pick(0...2)]
            let number = channel == "START_LAB_EXECUTION" ? 1 : pick(1...3)
            point = .request(channel: channel, number: base(channel) + number)
        }
        let killed = try await commands.run(arguments, killAt: point, ledger: ledger, server: server)
        if !killed.killed && killed.status != 0 {
            throw DrillFailure(
                description: "the command failed before its kill point (exit \(killed.status)): \(killed.stderr)")
        }
        try checkTheLog(ledger, kept: killed.committed)
        try expectSuccess(rerun)
        try checkTheLog(ledger, kept: killed.committed)

        let kinds = scenario == .import ? ["backtests", "labs", "cutoffs", "cache"] : ["backtests", "labs"]
        let answered = try answers(ledger, kinds)
        if let reference = references[scenario], answered != reference {
            throw DrillFailure(
                description:
                    "after the re-run the answers differ from a run never killed:\n\(Self.difference(answered, reference))"
            )
        }
        if let backtestID {
            try checkStartedOnce(backtestID)
            guard answered.split(separator: "\n").contains(where: { $0.hasPrefix(backtestID + ",") }) else {
                throw DrillFailure(description: "backtest \(backtestID) has no row after the re-run:\n\(answered)")
            }
        }
        if let labID {
            let starts = server.receivedRequests.filter {
                $0.channel == "START_LAB_EXECUTION" && $0.parameters["labid"] == labID
            }
            if starts.count != 1 {
                throw DrillFailure(description: "lab \(labID) was started \(starts.count) times")
            }
            try checkEveryBacktestHasMetrics(ledger, lab: labID)
        }
        let projected = try answers(ledger, kinds, comparable: false)
        try expectSuccess(["project", "rebuild", "--ledger", ledger])
        let rebuilt = try answers(ledger, kinds, comparable: false)
        if rebuilt != projected {
            throw DrillFailure(description: "a rebuild changed the answers:\n\(Self.difference(rebuilt, projected))")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: ledger).filter { $0.contains(".rebuild-") }
        if !leftovers.isEmpty { throw DrillFailure(description: "staging files left behind: \(leftovers)") }
        let head = try DrillCommands.head(ledger)?.position ?? 0
        let at = killed.committed.map { "position \($0.position)" } ?? "an empty log"
        return killed.killed
            ? "killed at \(point) with \(at) committed; verify green, re-run completed, head \(head), rebuild agrees"
            : "finished before \(point); verify green, re-run completed, head \(head), rebuild agrees"
    }

    // MARK: checks

    /// `log verify` is green, and the log still holds the event that was its head at the kill, unchanged.
    private func checkTheLog(_ ledger: String, kept committed: LogHead?) throws {
        guard FileManager.default.fileExists(atPath: ledger + "/log/data.mdb") else {
            if committed != nil { throw DrillFailure(description: "the log of \(ledger) is gone") }
            return
        }
        let verified = try commands.run(["log", "verify", "--ledger", ledger])
        if verified.status != 0 {
            throw DrillFailure(
                description: "log verify failed (exit \(verified.status)): \(verified.stdout)\(verified.stderr)")
        }
        if let committed, try DrillCommands.hash(ledger, at: committed.position) != committed.hash {
            throw DrillFailure(
                description: "event \(committed.position), committed before the kill, is lost or changed")
        }
    }

    private func checkStartedOnce(_ backtestID: String) throws {
        let starts = server.receivedRequests.filter {
            $0.channel == "EXECUTE_BACKTEST" && $0.parameters["backtestid"] == backtestID
        }
        if starts.count != 1 {
            throw DrillFailure(description: "backtest \(backtestID) was started \(starts.count) times")
        }
    }

    private func checkEveryBacktestHasMetrics(_ ledger: String, lab: String) throws {
        let rows = try expectSuccess([
            "query", "backtests", "--ledger", ledger, "--lab", lab, "--columns", "backtest_id,num_trades", "--format",
            "csv",
        ]).stdout.split(separator: "\n").dropFirst()
        // The lab run's grid: Period 10..30:10 × Stop Loss 1,2,3.
        if rows.count != 9 || rows.contains(where: { $0.hasSuffix(",") }) {
            throw DrillFailure(
                description: "lab \(lab) should have 9 backtests, each with metrics:\n\(rows.joined(separator: "\n"))")
        }
    }

    // MARK: commands

    @discardableResult
    private func expectSuccess(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let ran = try commands.run(arguments)
        if ran.status != 0 {
            throw DrillFailure(
                description: "`haasledger \(arguments.joined(separator: " "))` exited \(ran.status): \(ran.stderr)")
        }
        return ran
    }

    /// Columns that name where an event landed in the log: a killed run and its re-run record more events than
    /// one uninterrupted run, so these differ from the reference and are left out of that comparison only.
    private static let withoutPositions = [
        "labs": "lab_id,name,script_id,status,scheduled_backtests,completed_backtests",
        "cutoffs": "market,status,synched,max_months,cutoff,method,precision",
        "cache": "blob_hash,kind,subject,bytes,fetch_count",
    ]

    /// What `query` answers for `kinds`, as CSV one after another; `comparable` leaves out log positions.
    private func answers(_ ledger: String, _ kinds: [String], comparable: Bool = true) throws -> String {
        try kinds.map { kind in
            let columns = comparable ? Self.withoutPositions[kind].map { ["--columns", $0] } ?? [] : []
            return try expectSuccess(["query", kind, "--ledger", ledger, "--format", "csv"] + columns).stdout
        }.joined(separator: "\n")
    }

    /// The lines only one of two answers has, a few of each, for a failure message a person can read.
    private static func difference(_ seen: String, _ expected: String) -> String {
        let seenLines = seen.split(separator: "\n")
        let expectedLines = expected.split(separator: "\n")
        let extra = seenLines.filter { !expectedLines.contains($0) }.prefix(5).map { "+ " + $0 }
        let missing = expectedLines.filter { !seenLines.contains($0) }.prefix(5).map { "- " + $0 }
        return (extra + missing).joined(separator: "\n")
    }

    private func fetch(_ ledger: String) -> [String] {
        // The world's own labs by id: the lab rounds add labs to the server, which the reference never saw.
        ["fetch", "--ledger", ledger, "--server", url, "--runtimes"] + server.world.labs.flatMap { ["--lab", $0.id] }
    }

    private func importCommand(_ ledger: String) -> [String] { ["import", "--ledger", ledger, cache] }

    private var script: String { server.world.scripts[0].id }
    private var account: String { server.world.accounts[0].id }

    private func backtestRun(_ ledger: String, id: String) -> [String] {
        [
            "backtest", "run", "--ledger", ledger, "--server", url, "--script", script, "--market",
            "BINANCE_BTC_USDT_", "--account", account, "--from", "2026-01-01", "--to", "2026-03-01",
            "--poll-interval", "0", "--id", id,
        ]
    }

    private func labCreate(_ ledger: String, name: String) -> [String] {
        [
            "lab", "create", "--ledger", ledger, "--server", url, "--script", script, "--name", name, "--account",
            account, "--market", "BINANCE_BTC_USDT_",
        ]
    }

    private func labRun(_ ledger: String, lab: String) -> [String] {
        [
            "lab", "run", "--ledger", ledger, "--server", url, lab, "--param", "Period=10..30:10", "--param",
            "Stop Loss=1,2,3", "--from", "2026-01-01", "--to", "2026-03-01", "--poll-interval", "0",
        ]
    }

    private func pick(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }

    private func uuid() -> uuid_t {
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255, using: &random) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        return (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9],
            bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
        )
    }
}
