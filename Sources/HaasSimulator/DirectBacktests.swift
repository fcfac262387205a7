import Foundation
import JSON

/// A backtest started with `EXECUTE_BACKTEST`: what was asked, and how far it has got. It is queued on its
/// first status poll, runs over `pollsToComplete` more, then completes; a cancel stops it where it is.
struct DirectBacktest: Sendable {
    let id: String
    let script: SimulatedWorld.Script
    let run: DirectRun
    /// Unix seconds, from the request number (the simulator has no wall clock).
    let requestedAt: Int64
    var polls = 0
    var cancelledAtPoll: Int?
    var archived = false
    var tag = ""

    /// Lab status numbers (haas-api.md §2.1); the real server's for direct backtests are unverified.
    enum Status: Int { case queued = 1, running = 2, completed = 3, cancelled = 4 }

    func status(pollsToComplete: Int) -> (status: Status, progress: Double) {
        let polls = cancelledAtPoll ?? self.polls
        let running = max(0, polls - 1)
        let progress = min(100, (Double(running) / Double(pollsToComplete) * 10_000).rounded() / 100)
        if cancelledAtPoll != nil { return (.cancelled, progress) }
        if polls <= 1 { return (.queued, 0) }
        return running >= pollsToComplete ? (.completed, 100) : (.running, progress)
    }
}

extension SimulatorResponder {
    /// `EXECUTE_BACKTEST`, `GET_BACKTEST_INFO` and the calls that manage direct backtests; nil for other channels.
    func directBacktestReply(channel: String, parameters: [String: String]) -> [UInt8]? {
        let id = parameters["backtestid"] ?? ""
        switch channel {
        case "EXECUTE_BACKTEST":
            return execute(id: id, parameters: parameters)
        case "GET_BACKTEST_INFO":
            guard let backtest = state.pollBacktest(id: id) else { return Payloads.failure("Backtest not found") }
            return Payloads.envelope { record(backtest, withRuntime: true, into: &$0) }
        case "CANCEL_BACKTEST":
            let cancelled = state.updateBacktest(id: id) { backtest in
                guard backtest.status(pollsToComplete: world.configuration.pollsToComplete).status.isActive else {
                    return false
                }
                backtest.cancelledAtPoll = backtest.polls
                return true
            }
            guard let cancelled else { return Payloads.failure("Backtest not found") }
            return Payloads.envelope { $0.bool(cancelled) }
        case "ARCHIVE_BACKTEST":
            let archive = parameters["archiveresult"] == "true"
            guard state.updateBacktest(id: id, { $0.archived = archive }) != nil else {
                return Payloads.failure("Backtest not found")
            }
            return Payloads.envelope { $0.bool(true) }
        case "EDIT_BACKTEST_TAG":
            let tag = parameters["backtesttag"] ?? ""
            guard state.updateBacktest(id: id, { $0.tag = tag }) != nil else {
                return Payloads.failure("Backtest not found")
            }
            return Payloads.envelope { $0.bool(true) }
        case "DELETE_BACKTEST":
            guard state.deleteBacktest(id: id) else { return Payloads.failure("Backtest not found") }
            return Payloads.envelope { $0.bool(true) }
        case "EXECUTE_QUICKTEST":
            return quickTest(parameters)
        case "GET_BACKTEST_ACCOUNTS":
            return Payloads.envelope { out in
                out.array { out in
                    for account in world.accounts {
                        out.object { out in
                            out.field("AID", account.id)
                            out.field("N", account.name)
                            out.field("EC", account.exchange)
                        }
                    }
                }
            }
        case "GET_BACKTEST_HISTORY":
            let all = state.directBacktests()
            let requested = max(0, Int(parameters["nextpageid"] ?? "0") ?? 0)
            let length = min(1_000, max(1, Int(parameters["pagelength"] ?? "100") ?? 100))
            let end = min(all.count, requested + length)
            let items = requested < end ? Array(all[requested..<end]) : []
            return Payloads.envelope { out in
                out.object { out in
                    out.key("I")
                    out.array { out in for backtest in items { record(backtest, withRuntime: false, into: &out) } }
                    out.field("NP", int: Int64(items.isEmpty ? requested : end))
                }
            }
        default:
            return nil
        }
    }

    /// Starts a backtest under the client's id; the same id again returns what the first call did and starts
    /// nothing (the idempotency that makes a retry after a lost reply safe).
    private func execute(id: String, parameters: [String: String]) -> [UInt8] {
        guard UUID(uuidString: id) != nil else { return Payloads.failure("Invalid backtest id") }
        guard let script = parameters["scriptid"].flatMap(world.script(id:)) else {
            return Payloads.failure("Script not found")
        }
        if let error = script.compileError {
            return Payloads.failure(
                "Script has compile errors: line \(error.line), column \(error.column): \(error.message)")
        }
        let run: DirectRun
        switch directRun(script: script, parameters: parameters) {
        case .success(let value): run = value
        case .failure(let problem): return Payloads.failure(problem.message)
        }
        let backtest = DirectBacktest(
            id: id, script: script, run: run,
            requestedAt: SimulatedResult.baseStart + 86_400 * 30 + Int64(state.requestCount) * 2)
        _ = state.startBacktest(backtest)
        return Payloads.envelope { $0.string("LocalService-ENT") }
    }

    /// `EXECUTE_QUICKTEST`: a brief backtest over the last week, answered at once: its log and, when the script
    /// compiles, its runtime (the Data shape is unverified; haas-api.md §2.3 says only "Data dict").
    private func quickTest(_ parameters: [String: String]) -> [UInt8] {
        guard let script = parameters["scriptid"].flatMap(world.script(id:)) else {
            return Payloads.failure("Script not found")
        }
        let end = SimulatedResult.baseStart + 86_400 * 30
        var request = parameters
        request["startunix"] = String(end - 86_400 * 7)
        request["endunix"] = String(end)
        let logs = Payloads.debugLog(script)
        let run: DirectRun?
        if script.compileError != nil {
            run = nil
        } else {
            switch directRun(script: script, parameters: request) {
            case .success(let value): run = value
            case .failure(let problem): return Payloads.failure(problem.message)
            }
        }
        return Payloads.envelope { out in
            out.object { out in
                out.field("BacktestId", parameters["backtestid"] ?? "")
                out.key("Logs")
                out.array { out in for line in logs { out.string(line) } }
                out.key("Runtime")
                guard let run else { return out.null() }
                Payloads.runtime(
                    subject(id: parameters["backtestid"] ?? "", script: script, run: run),
                    result: world.result(script: script, run: run), userID: world.configuration.email, into: &out)
            }
        }
    }

    private func subject(id: String, script: SimulatedWorld.Script, run: DirectRun) -> Payloads.RuntimeSubject {
        Payloads.RuntimeSubject(
            backtestID: id, botName: "Backtest \(id.prefix(8))", scriptID: run.scriptID, scriptName: script.name,
            accountID: run.accountID, market: run.market, leverage: run.leverage,
            positionMode: run.sides == "both" ? 1 : 0, tradeAmount: run.tradeAmount, interval: run.interval,
            inputs: script.inputs.map { input in
                let value = run.parameters[input.name] ?? input.defaultValue
                return (input.name, input.name, value.canonicalText, input.defaultValue.canonicalText)
            })
    }

    struct Problem: Error { let message: String }

    /// The run the `settings` JSON (haas-api.md §3.4) and the period ask for, or what is wrong with them.
    private func directRun(script: SimulatedWorld.Script, parameters: [String: String]) -> Result<DirectRun, Problem> {
        guard let text = parameters["settings"], let settings = try? JSONParser.parse(text),
            case .object = settings
        else { return .failure(Problem(message: "Invalid settings: expected a JSON object")) }
        guard let start = parameters["startunix"].flatMap(Int64.init),
            let end = parameters["endunix"].flatMap(Int64.init), start < end
        else { return .failure(Problem(message: "Invalid period: startunix must be before endunix")) }
        guard let market = settings["marketTag"]?.stringValue,
            let known = SimulatedWorld.markets.first(where: { $0.tag == market })
        else { return .failure(Problem(message: "Market not found")) }
        let exchange = String(market.prefix { $0 != "_" })
        guard let accountID = settings["accountId"]?.stringValue,
            world.accounts.contains(where: { $0.id == accountID && $0.exchange == exchange })
        else { return .failure(Problem(message: "Account not found for \(exchange)")) }
        var values: [String: Double] = [:]
        if case .object(let members)? = settings["scriptParameters"] {
            for (name, value) in members {
                guard let input = script.inputs.first(where: { $0.name == name }) else {
                    return .failure(Problem(message: "Unknown input '\(name)'"))
                }
                guard let number = value.numberValue?.doubleValue ?? value.stringValue.flatMap(Double.init),
                    number >= input.minimum, number <= input.maximum
                else {
                    return .failure(
                        Problem(message: "Input '\(name)' must be from \(input.minimum) to \(input.maximum)"))
                }
                values[name] = number
            }
        }
        let leverage = settings["leverage"]?.numberValue?.doubleValue ?? known.leverage
        return .success(
            DirectRun(
                scriptID: script.id, parameters: values, market: market, accountID: accountID,
                leverage: leverage > 0 ? leverage : 1, start: start, end: end,
                sides: settings["direction"]?.stringValue ?? "both",
                tradeAmount: settings["tradeAmount"]?.numberValue?.doubleValue ?? 930,
                interval: Int(settings["interval"]?.numberValue?.int64Value ?? 15)))
    }

    /// A direct-backtest record with the long names of haas-api.md §3.6, plus `Status` and `Progress` (the
    /// simulator's; the real names are unverified) and, once completed, the `Runtime`.
    private func record(_ backtest: DirectBacktest, withRuntime: Bool, into out: inout JSONWriter) {
        let (status, progress) = backtest.status(pollsToComplete: world.configuration.pollsToComplete)
        let run = backtest.run
        let result = status == .completed ? world.result(script: backtest.script, run: run) : nil
        out.object { out in
            out.field("BacktestId", backtest.id)
            out.field("UserId", world.configuration.email)
            out.field("ScriptId", run.scriptID)
            out.field("MarketTag", run.market)
            out.field("AccountTag", run.accountID)
            out.field("BacktestStart", int: run.start)
            out.field("BacktestEnd", int: run.end)
            out.field("BacktestTag", backtest.tag)
            out.field("IsArchived", backtest.archived)
            out.field("Status", int: Int64(status.rawValue))
            out.field("Progress", progress)
            out.field("ExecutionStart", int: backtest.requestedAt)
            out.field("ExecutionEnd", int: status == .completed ? backtest.requestedAt + 5 : 0)
            out.field("ROITags", result.map { String($0.roi) } ?? "")
            out.key("Runtime")
            guard withRuntime, let result else { return out.null() }
            Payloads.runtime(
                subject(id: backtest.id, script: backtest.script, run: run), result: result,
                userID: world.configuration.email, into: &out)
        }
    }
}

extension DirectBacktest.Status {
    var isActive: Bool { self == .queued || self == .running }
}

extension Double {
    /// The number as a person writes it: `20`, not `20.0`.
    var canonicalText: String { self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self) }
}
