import Foundation
import Platform

/// Answers one request the way a HaasOnline Trade Server does. Transport-independent, so the HTTP layer
/// stays a thin adapter and tests can call it directly.
struct SimulatorResponder: Sendable {
    let world: SimulatedWorld
    let state: SimulatorState

    struct Reply: Sendable {
        var status: Int
        var contentType: String
        var body: [UInt8]

        static func json(_ body: [UInt8]) -> Reply { Reply(status: 200, contentType: "application/json", body: body) }
    }

    static let webInterface = Array(
        "<!DOCTYPE html><html><head><title>HaasOnline TradeServer</title></head><body><div id=\"app\"></div></body></html>"
            .utf8)

    func respond(path: String, parameters: [String: String]) async -> Reply {
        guard let endpoint = SimulatorResponder.endpoint(path) else {
            // A wrong path gets the web UI with status 200, as the real server does.
            return Reply(status: 200, contentType: "text/html; charset=utf-8", body: SimulatorResponder.webInterface)
        }
        guard let channel = parameters["channel"], !channel.isEmpty else {
            return .json(Payloads.failure("Missing channel"))
        }
        if endpoint == "User" { return .json(login(channel: channel, parameters: parameters)) }
        let configuration = world.configuration
        let key = parameters["interfacekey"] ?? ""
        guard parameters["userid"] == configuration.email else {
            return .json(Payloads.failure("Not authorized. Please login again."))
        }
        switch state.useSession(key: key, expireAfter: configuration.faults.expireAfterCalls) {
        case .unknown: return .json(Payloads.failure("Not authorized. Please login again."))
        case .expired: return .json(Payloads.failure("Session expired. Please login again."))
        case .valid: break
        }
        switch await injectedFault() {
        case .reply(let fault): return fault
        case .afterActing(let fault):
            _ = data(endpoint: endpoint, channel: channel, parameters: parameters)
            return fault
        case nil: return .json(data(endpoint: endpoint, channel: channel, parameters: parameters))
        }
    }

    static func endpoint(_ path: String) -> String? {
        let name = path.hasPrefix("/") ? String(path.dropFirst()) : path
        guard name.hasSuffix("API.php") else { return nil }
        let endpoint = String(name.dropLast("API.php".count))
        return ["User", "Labs", "Setup", "Backtest", "HaasScript"].contains(endpoint) ? endpoint : nil
    }

    private func login(channel: String, parameters: [String: String]) -> [UInt8] {
        let configuration = world.configuration
        let key = parameters["interfacekey"] ?? parameters["interfaceKey"] ?? ""
        switch channel {
        case "LOGIN_WITH_CREDENTIALS":
            guard parameters["email"] == configuration.email, parameters["password"] == configuration.password,
                !key.isEmpty
            else { return Payloads.failure("Invalid username or password") }
            state.beginLogin(key: key)
            return Payloads.envelope { $0.object { $0.field("R", int: 5) } }
        case "LOGIN_WITH_ONE_TIME_CODE":
            guard parameters["email"] == configuration.email, state.completeLogin(key: key) else {
                return Payloads.failure("Invalid login attempt")
            }
            var random = SplitMix64(configuration.seed, 9, state.nextRequestNumber())
            return Payloads.envelope { out in
                out.object { out in
                    out.field("R", int: 0)
                    out.key("D")
                    out.object { out in
                        out.field("UserId", configuration.email)
                        out.field("Username", "demo")
                        out.field("InterfaceSecret", random.uuid())
                        out.field("UserRights", int: 0)
                        out.field("IsAffiliate", false)
                        out.field("IsProductSeller", false)
                        out.field("SupportHash", "")
                    }
                }
            }
        default:
            return Payloads.failure("Unknown channel \(channel)")
        }
    }

    enum Fault {
        /// Instead of acting.
        case reply(Reply)
        /// The server acts, then the reply is lost on the way (a gateway timeout in its place).
        case afterActing(Reply)
    }

    /// Decides, from the seed and the request number, whether this call misbehaves.
    private func injectedFault() async -> Fault? {
        let faults = world.configuration.faults
        if faults.latencyMilliseconds > 0 {
            try? await Task.sleep(for: .milliseconds(faults.latencyMilliseconds))
        }
        var random = SplitMix64(world.configuration.seed, 7, state.nextRequestNumber())
        var draw = random.unit()
        func hit(_ share: Double) -> Bool {
            defer { draw -= share }
            return draw < share
        }
        let gatewayTimeout = Reply(
            status: 504, contentType: "text/html",
            body: Array("<html><body><h1>504 Gateway Time-out</h1></body></html>".utf8))
        if hit(faults.gatewayTimeout) { return .reply(gatewayTimeout) }
        if hit(faults.tooManyRequests) {
            return .reply(Reply(status: 429, contentType: "text/plain", body: Array("Too Many Requests".utf8)))
        }
        if hit(faults.serverError) {
            return .reply(Reply(status: 500, contentType: "text/plain", body: Array("Internal Server Error".utf8)))
        }
        if hit(faults.html) {
            return .reply(
                Reply(status: 200, contentType: "text/html; charset=utf-8", body: SimulatorResponder.webInterface))
        }
        if hit(faults.truncate) {
            return .reply(
                Reply(
                    status: 200, contentType: "application/json",
                    body: Array(#"{"Success":true,"Error":"","Data":{"#.utf8)))
        }
        if hit(faults.lostReply) { return .afterActing(gatewayTimeout) }
        return nil
    }

    private func data(endpoint: String, channel: String, parameters: [String: String]) -> [UInt8] {
        let userID = world.configuration.email
        func lab() -> SimulatedWorld.Lab? { parameters["labid"].flatMap { world.lab(id: $0) } }
        func backtest(in lab: SimulatedWorld.Lab) -> SimulatedWorld.Backtest? {
            let id = parameters["backtestid"]
            return lab.backtests.first { $0.id == id }
        }
        if endpoint == "Backtest", let reply = directBacktestReply(channel: channel, parameters: parameters) {
            return reply
        }
        if endpoint == "Labs", let reply = createdLabReply(channel: channel, parameters: parameters) {
            return reply
        }
        switch (endpoint, channel) {
        case ("HaasScript", "GET_ALL_SCRIPT_ITEMS"):
            return Payloads.envelope { out in
                out.array { out in
                    for script in world.scripts { Payloads.script(script, userID: userID, record: false, into: &out) }
                }
            }
        case ("Backtest", "EXECUTE_DEBUGTEST"):
            guard let script = parameters["scriptid"].flatMap(world.script(id:)) else {
                return Payloads.failure("Script not found")
            }
            return Payloads.envelope { out in
                out.array { out in for line in Payloads.debugLog(script) { out.string(line) } }
            }
        case ("HaasScript", "GET_SCRIPT_RECORD"):
            guard let script = parameters["scriptid"].flatMap(world.script(id:)) else {
                return Payloads.failure("Script not found")
            }
            return Payloads.envelope { Payloads.script(script, userID: userID, record: true, into: &$0) }
        case ("Labs", "GET_LABS"):
            return Payloads.envelope { out in
                out.array { out in
                    for lab in world.labs {
                        let (status, completed) = execution(lab, countPoll: false)
                        Payloads.lab(
                            lab, userID: userID, status: status, completed: completed, details: false, into: &out)
                    }
                    for lab in state.createdLabs() {
                        Payloads.createdLab(
                            lab, userID: userID, pollsToComplete: world.configuration.pollsToComplete, details: false,
                            into: &out)
                    }
                }
            }
        case ("Labs", "GET_LAB_DETAILS"):
            guard let lab = lab() else { return Payloads.failure("Lab not found") }
            let (status, completed) = execution(lab, countPoll: true)
            return Payloads.envelope {
                Payloads.lab(lab, userID: userID, status: status, completed: completed, details: true, into: &$0)
            }
        case ("Labs", "GET_LAB_EXECUTION_UPDATE"):
            guard let lab = lab() else { return Payloads.failure("Lab not found") }
            let (status, completed) = execution(lab, countPoll: true)
            let total = lab.backtests.count
            return Payloads.envelope { out in
                out.object { out in
                    out.field("S", int: Int64(status))
                    out.field("P", total == 0 ? 100 : (Double(completed) / Double(total) * 10_000).rounded() / 100)
                    out.field("CB", int: Int64(completed))
                    out.field("SB", int: Int64(total))
                    out.field("M", status == 3 ? "Completed" : status == 2 ? "Running" : "Queued")
                    out.field("E", "")
                    out.field("T", int: SimulatedResult.baseStart + Int64(state.polls(lab: lab.id)) * 60)
                }
            }
        case ("Labs", "GET_BACKTEST_RESULT_PAGE"):
            guard let lab = lab() else { return Payloads.failure("Lab not found") }
            let requested = max(0, Int(parameters["nextpageid"] ?? "0") ?? 0)
            let length = min(1_000, max(1, Int(parameters["pagelength"] ?? "100") ?? 100))
            let (_, completed) = execution(lab, countPoll: false)
            let end = min(completed, requested + length)
            let items = requested < end ? Array(lab.backtests[requested..<end]) : []
            return Payloads.envelope { out in
                out.object { out in
                    out.key("I")
                    out.array { out in
                        for backtest in items {
                            Payloads.resultRecord(
                                world: world, lab: lab, backtest: backtest, userID: userID, into: &out)
                        }
                    }
                    out.field("NP", int: Int64(items.isEmpty ? requested : end))
                }
            }
        case ("Labs", "GET_BACKTEST_RUNTIME"):
            guard let lab = lab(), let backtest = backtest(in: lab) else {
                return Payloads.failure("Backtest not found")
            }
            return Payloads.envelope {
                Payloads.runtime(world: world, lab: lab, backtest: backtest, userID: userID, into: &$0)
            }
        case ("Labs", "GET_BACKTEST_LOG"):
            guard let lab = lab(), let backtest = backtest(in: lab) else {
                return Payloads.failure("Backtest not found")
            }
            let result = SimulatedResult(world: world, lab: lab, backtest: backtest)
            return Payloads.envelope { out in
                out.array { out in
                    for position in result.positions {
                        out.string(
                            "\(position.openedAt) Entered \(position.direction == 0 ? "long" : "short") at \(position.entry.price)"
                        )
                        out.string(
                            "\(position.closedAt) Exited at \(position.exit.price), profit \(position.realizedProfit)")
                    }
                }
            }
        case ("Labs", "GET_BACKTEST_CHART"):
            guard let lab = lab(), let backtest = backtest(in: lab) else {
                return Payloads.failure("Backtest not found")
            }
            let result = SimulatedResult(world: world, lab: lab, backtest: backtest)
            return Payloads.envelope { out in
                out.object { out in
                    out.field("Guid", backtest.id)
                    out.field("Interval", int: 15)
                    out.key("Charts")
                    out.object { out in
                        out.key("0")
                        out.object { out in
                            out.field("PlotId", backtest.id)
                            out.field("Title", lab.market)
                            out.key("TradeAnnotations")
                            out.array { out in
                                for position in result.positions {
                                    out.object { out in
                                        out.field("Unix", int: position.openedAt)
                                        out.field("Price", position.entry.price)
                                        out.field("Text", position.entry.note)
                                    }
                                }
                            }
                        }
                    }
                    out.field("IsLastPartition", true)
                    out.field("Status", int: 0)
                }
            }
        case ("Setup", "GET_HISTORY_STATUS"):
            return Payloads.envelope { out in
                out.object { out in
                    for (index, market) in SimulatedWorld.markets.enumerated() {
                        out.key(market.tag)
                        out.object { out in
                            out.field("Market", market.tag)
                            out.field("MaxMonths", int: Int64(12 + index * 6))
                            out.field("Status", int: index == 4 ? 1 : 3)
                        }
                    }
                }
            }
        default:
            return Payloads.failure("Unknown channel \(channel)")
        }
    }

    /// A lab's status and completed count. Running labs complete a share of their backtests per status poll.
    private func execution(_ lab: SimulatedWorld.Lab, countPoll: Bool) -> (status: Int, completed: Int) {
        let total = lab.backtests.count
        guard lab.startsRunning else { return (3, total) }
        let polls = countPoll ? state.poll(lab: lab.id) : state.polls(lab: lab.id)
        let perPoll = max(1, (total + world.configuration.pollsToComplete - 1) / world.configuration.pollsToComplete)
        let completed = min(total, max(0, polls - 1) * perPoll)
        return (completed >= total ? 3 : polls == 0 ? 1 : 2, completed)
    }
}
