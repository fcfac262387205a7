import Foundation
import JSON
import Platform

extension SimulatorResponder {
    /// The lab channels for labs made through the API; nil when the request is not about one (the world's
    /// fixed labs answer as before).
    func createdLabReply(channel: String, parameters: [String: String]) -> [UInt8]? {
        let userID = world.configuration.email
        let pollsToComplete = world.configuration.pollsToComplete
        let labID = parameters["labid"] ?? ""
        func details(_ lab: CreatedLab) -> [UInt8] {
            Payloads.envelope {
                Payloads.createdLab(lab, userID: userID, pollsToComplete: pollsToComplete, details: true, into: &$0)
            }
        }
        switch channel {
        case "CREATE_LAB": return create(parameters)
        case "CLONE_LAB":
            guard let source = state.createdLab(id: labID) ?? world.lab(id: labID).flatMap(created(from:)) else {
                return Payloads.failure("Lab not found")
            }
            var random = SplitMix64(world.configuration.seed, 19, state.requestCount)
            var copy = CreatedLab(
                id: random.uuid(), name: parameters["name"] ?? source.name, script: source.script,
                accountID: source.accountID, market: source.market, interval: source.interval,
                parameters: source.parameters, settings: source.settings, createdAt: now)
            copy.algorithm = source.algorithm
            copy.config = source.config
            state.addLab(copy)
            return details(copy)
        default: break
        }
        guard state.createdLab(id: labID) != nil else {
            let changes = ["UPDATE_LAB_DETAILS", "START_LAB_EXECUTION", "CANCEL_LAB_EXECUTION", "DELETE_LAB"]
            return changes.contains(channel) ? Payloads.failure("Lab not found") : nil
        }
        switch channel {
        case "GET_LAB_DETAILS", "GET_LAB_EXECUTION_UPDATE":
            guard
                let lab = state.updateLab(
                    id: labID,
                    { lab -> CreatedLab in
                        if lab.status >= 1 { lab.polls += 1 }
                        return lab
                    })
            else { return nil }
            guard channel == "GET_LAB_EXECUTION_UPDATE" else { return details(lab) }
            let status = lab.currentStatus(pollsToComplete: pollsToComplete)
            let completed = lab.completed(pollsToComplete: pollsToComplete)
            return Payloads.envelope { out in
                out.object { out in
                    out.field("S", int: Int64(status))
                    let total = lab.runs.count
                    out.field("P", total == 0 ? 0 : (Double(completed) / Double(total) * 10_000).rounded() / 100)
                    out.field("CB", int: Int64(completed))
                    out.field("SB", int: Int64(total))
                    out.field("M", ["Created", "Queued", "Running", "Completed", "Cancelled"][min(4, status)])
                    out.field("E", "")
                    out.field("T", int: now)
                }
            }
        case "UPDATE_LAB_DETAILS":
            return update(labID, parameters).map(details) ?? Payloads.failure(lastProblem(parameters))
        case "START_LAB_EXECUTION":
            guard let start = parameters["startunix"].flatMap(Int64.init),
                let end = parameters["endunix"].flatMap(Int64.init), start < end
            else { return Payloads.failure("Invalid period: startunix must be before endunix") }
            let seed = world.configuration.seed
            let started = state.updateLab(id: labID) { lab -> Bool in
                let status = lab.currentStatus(pollsToComplete: pollsToComplete)
                guard status != 1 && status != 2 else { return false }
                lab.start = start
                lab.end = end
                lab.runs = lab.plannedRuns(seed: seed)
                lab.executions += 1
                lab.status = 1
                lab.polls = 0
                lab.cancelledAt = nil
                return true
            }
            guard started == true, let lab = state.createdLab(id: labID) else {
                return Payloads.failure("Lab is already running")
            }
            return details(lab)
        case "CANCEL_LAB_EXECUTION":
            let cancelled = state.updateLab(id: labID) { lab -> Bool in
                let status = lab.currentStatus(pollsToComplete: pollsToComplete)
                guard status == 1 || status == 2 else { return false }
                lab.cancelledAt = lab.completed(pollsToComplete: pollsToComplete)
                return true
            }
            return Payloads.envelope { $0.bool(cancelled ?? false) }
        case "DELETE_LAB":
            return Payloads.envelope { $0.bool(state.deleteLab(id: labID)) }
        case "GET_BACKTEST_RESULT_PAGE":
            guard let lab = state.createdLab(id: labID) else { return nil }
            let requested = max(0, Int(parameters["nextpageid"] ?? "0") ?? 0)
            let length = min(1_000, max(1, Int(parameters["pagelength"] ?? "100") ?? 100))
            let end = min(lab.completed(pollsToComplete: pollsToComplete), requested + length)
            let indexes = requested < end ? Array(requested..<end) : []
            return Payloads.envelope { out in
                out.object { out in
                    out.key("I")
                    out.array { out in
                        for index in indexes {
                            Payloads.createdResult(lab, index: index, world: world, userID: userID, into: &out)
                        }
                    }
                    out.field("NP", int: Int64(indexes.isEmpty ? requested : end))
                }
            }
        case "GET_BACKTEST_RUNTIME":
            guard let lab = state.createdLab(id: labID) else { return nil }
            let seed = world.configuration.seed
            let completed = lab.completed(pollsToComplete: pollsToComplete)
            guard
                let index = (0..<completed).first(where: { lab.backtestID($0, seed: seed) == parameters["backtestid"] })
            else { return Payloads.failure("Backtest not found") }
            return Payloads.envelope {
                Payloads.createdRuntime(lab, index: index, world: world, userID: userID, into: &$0)
            }
        default:
            return nil
        }
    }

    /// Unix seconds from the request number (the simulator has no wall clock).
    private var now: Int64 { SimulatedResult.baseStart + 86_400 * 30 + Int64(state.requestCount) * 2 }

    private func create(_ parameters: [String: String]) -> [UInt8] {
        guard let script = parameters["scriptid"].flatMap(world.script(id:)) else {
            return Payloads.failure("Script not found")
        }
        guard let market = parameters["market"], SimulatedWorld.markets.contains(where: { $0.tag == market }) else {
            return Payloads.failure("Market not found")
        }
        let exchange = String(market.prefix { $0 != "_" })
        guard let account = parameters["accountid"],
            world.accounts.contains(where: { $0.id == account && $0.exchange == exchange })
        else { return Payloads.failure("Account not found for \(exchange)") }
        var random = SplitMix64(world.configuration.seed, 19, state.requestCount)
        let interval = Int(parameters["interval"] ?? "15") ?? 15
        let lab = CreatedLab(
            id: random.uuid(), name: parameters["name"] ?? "Lab", script: script, accountID: account, market: market,
            interval: interval,
            parameters: script.inputs.map { .init(key: $0.name, options: [$0.defaultValue.canonicalText]) },
            settings: .object([
                ("accountId", .string(account)), ("marketTag", .string(market)), ("interval", .number(interval)),
            ]), createdAt: now)
        state.addLab(lab)
        return Payloads.envelope {
            Payloads.createdLab(
                lab, userID: world.configuration.email, pollsToComplete: world.configuration.pollsToComplete,
                details: true, into: &$0)
        }
    }

    /// A world lab as a created one, for `CLONE_LAB`.
    private func created(from lab: SimulatedWorld.Lab) -> CreatedLab? {
        guard let script = world.script(id: lab.scriptID) else { return nil }
        return CreatedLab(
            id: lab.id, name: lab.name, script: script, accountID: world.accounts[0].id, market: lab.market,
            interval: 15,
            parameters: script.inputs.map { .init(key: $0.name, options: [$0.defaultValue.canonicalText]) },
            settings: .object([("marketTag", .string(lab.market)), ("interval", .number(15))]), createdAt: now)
    }

    /// Applies `UPDATE_LAB_DETAILS`; nil when the request is invalid (`lastProblem` says why). The parameter list
    /// replaces the lab's: a parameter left out is removed, as on the real server.
    private func update(_ labID: String, _ parameters: [String: String]) -> CreatedLab? {
        guard lastProblem(parameters).isEmpty, let list = parsedParameters(parameters) else { return nil }
        let config = parameters["config"].flatMap { try? JSONParser.parse($0) }
        let settings = parameters["settings"].flatMap { try? JSONParser.parse($0) }
        return state.updateLab(id: labID) { lab -> CreatedLab in
            if let name = parameters["name"], !name.isEmpty { lab.name = name }
            if let type = parameters["type"].flatMap(Int.init) { lab.algorithm = type }
            if case .object(let members)? = config {
                lab.config = lab.config.map { key, value in
                    (key, members.first { $0.key == key }?.value.numberValue?.doubleValue ?? value)
                }
            }
            if let settings, case .object = settings { lab.settings = settings }
            lab.parameters = list
            return lab
        }
    }

    private func parsedParameters(_ parameters: [String: String]) -> [CreatedLab.Parameter]? {
        guard let text = parameters["parameters"], case .array(let items)? = try? JSONParser.parse(text) else {
            return nil
        }
        return items.compactMap { item in
            guard let key = item["K"]?.stringValue, case .array(let options)? = item["O"] else { return nil }
            return .init(key: key, options: options.compactMap { $0.stringValue ?? $0.numberValue?.canonicalText })
        }
    }

    /// Why an `UPDATE_LAB_DETAILS` request is refused, or "" when it is not.
    private func lastProblem(_ parameters: [String: String]) -> String {
        guard let lab = state.createdLab(id: parameters["labid"] ?? "") else { return "Lab not found" }
        guard let list = parsedParameters(parameters) else { return "Invalid parameters: expected a JSON list" }
        for parameter in list {
            guard let input = lab.script.inputs.first(where: { $0.name == parameter.key }) else {
                return "Unknown parameter '\(parameter.key)'"
            }
            for option in parameter.options {
                guard let value = Double(option), value >= input.minimum, value <= input.maximum else {
                    return "Parameter '\(parameter.key)': \(option) is outside \(input.minimum)…\(input.maximum)"
                }
            }
        }
        for key in ["config", "settings"] {
            if let text = parameters[key], (try? JSONParser.parse(text)) == nil { return "Invalid \(key): not JSON" }
        }
        return ""
    }
}
