import Foundation
import JSON
import Platform

/// A lab made through the API (`CREATE_LAB`, `CLONE_LAB`), as opposed to the world's fixed labs: configured
/// with `UPDATE_LAB_DETAILS`, run with `START_LAB_EXECUTION` over its parameter grid (brute force) or a
/// seeded subset of it (the other algorithms), its backtests completing over status polls.
struct CreatedLab: Sendable {
    struct Parameter: Sendable, Equatable {
        var key: String
        var options: [String]
    }

    let id: String
    var name: String
    let script: SimulatedWorld.Script
    var accountID: String
    var market: String
    var interval: Int
    /// The lab's `T`: brute force 0, intelligent 1, random 2, cluster 3 (the simulator's numbers; unverified).
    var algorithm: Int = 0
    var parameters: [Parameter]
    /// MP, MG, ME, MR, AR.
    var config: [(key: String, value: Double)] = [("MP", 10), ("MG", 10), ("ME", 3), ("MR", 40), ("AR", 25)]
    var settings: JSONValue
    var status = 0
    var start: Int64 = 0
    var end: Int64 = 0
    /// The parameter sets of the current run, in the order they complete.
    var runs: [[String: String]] = []
    var polls = 0
    var cancelledAt: Int?
    /// Runs started so far: a second run of the same grid gets new backtest ids, as on a real server.
    var executions = 0
    let createdAt: Int64

    func configValue(_ key: String) -> Double { config.first { $0.key == key }?.value ?? 0 }

    /// The parameter sets a run covers: every combination for brute force; otherwise at most MP × MG of them,
    /// drawn with the seed.
    func plannedRuns(seed: UInt64) -> [[String: String]] {
        var combinations: [[String: String]] = [[:]]
        for parameter in parameters where !parameter.options.isEmpty {
            combinations = combinations.flatMap { partial in
                parameter.options.map { partial.merging([parameter.key: $0]) { $1 } }
            }
        }
        guard algorithm != 0 else { return combinations }
        let budget = max(1, Int(configValue("MP")) * max(1, Int(configValue("MG"))))
        guard combinations.count > budget else { return combinations }
        var random = SplitMix64(seed, 17, StableHash.of(id))
        return Array(combinations.shuffled(using: &random).prefix(budget))
    }

    /// Backtests completed after the polls seen so far.
    func completed(pollsToComplete: Int) -> Int {
        if let cancelledAt { return cancelledAt }
        guard status >= 1 else { return 0 }
        let perPoll = max(1, (runs.count + pollsToComplete - 1) / pollsToComplete)
        return min(runs.count, max(0, polls - 1) * perPoll)
    }

    func currentStatus(pollsToComplete: Int) -> Int {
        if cancelledAt != nil { return 4 }
        guard status >= 1 else { return status }
        if polls <= 1 { return 1 }
        return completed(pollsToComplete: pollsToComplete) >= runs.count ? 3 : 2
    }

    /// The deterministic id of the `index`th backtest of the run.
    func backtestID(_ index: Int, seed: UInt64) -> String {
        // The first run's ids as they always were; later runs add their number.
        let run = executions > 1 ? "\(start)-\(end)#\(executions)" : "\(start)-\(end)"
        var random = SplitMix64(seed, 18, StableHash.of(id), StableHash.of(run), UInt64(index))
        return random.uuid()
    }

    func directRun(_ values: [String: String]) -> DirectRun {
        let leverage = settings["leverage"]?.numberValue?.doubleValue
        return DirectRun(
            scriptID: script.id, parameters: values.compactMapValues(Double.init), market: market, accountID: accountID,
            leverage: leverage.flatMap { $0 > 0 ? $0 : nil }
                ?? SimulatedWorld.markets.first { $0.tag == market }?.leverage ?? 1,
            start: start, end: end, sides: "both",
            tradeAmount: settings["tradeAmount"]?.numberValue?.doubleValue ?? 930, interval: interval)
    }
}

extension Payloads {
    /// A created lab's record (`GET_LABS` item, or with `details` as `GET_LAB_DETAILS`), in the world's shape.
    static func createdLab(
        _ lab: CreatedLab, userID: String, pollsToComplete: Int, details: Bool, into out: inout JSONWriter
    ) {
        out.object { out in
            out.field("UID", userID)
            out.field("LID", lab.id)
            out.field("SID", lab.script.id)
            out.field("N", lab.name)
            out.field("T", int: Int64(lab.algorithm))
            out.field("S", int: Int64(lab.currentStatus(pollsToComplete: pollsToComplete)))
            out.field("SB", int: Int64(lab.runs.count))
            out.field("CB", int: Int64(lab.completed(pollsToComplete: pollsToComplete)))
            out.field("CA", int: lab.createdAt)
            out.field("UA", int: lab.createdAt)
            out.field("SA", int: lab.status >= 1 ? lab.createdAt + 60 : 0)
            out.field("RS", int: 0)
            out.field("SU", int: lab.start)
            out.field("EU", int: lab.end)
            out.field("SE", int: 0)
            out.key("CM")
            out.null()
            guard details else { return }
            out.key("P")
            out.array { out in
                for parameter in lab.parameters {
                    out.object { out in
                        out.field("K", parameter.key)
                        out.field("T", int: 0)
                        out.key("O")
                        out.array { out in for option in parameter.options { out.string(option) } }
                        out.field("I", true)
                        out.field("IS", false)
                    }
                }
            }
            out.key("C")
            out.object { out in for (key, value) in lab.config { out.field(key, value) } }
            out.key("ST")
            out.raw(CanonicalJSON.string(lab.settings))
        }
    }

    /// A created lab's result record: the world's record shape (short summary keys), parameters as run.
    static func createdResult(
        _ lab: CreatedLab, index: Int, world: SimulatedWorld, userID: String, into out: inout JSONWriter
    ) {
        let values = lab.runs[index]
        let result = world.result(script: lab.script, run: lab.directRun(values))
        let population = max(1, Int(lab.configValue("MP")))
        out.object { out in
            out.field("RID", int: Int64(index + 1))
            out.field("UID", userID)
            out.field("LID", lab.id)
            out.field("BID", lab.backtestID(index, seed: world.configuration.seed))
            out.field("NG", int: Int64(index / population))
            out.field("NP", int: Int64(index % population))
            out.field("ST", int: 3)
            out.key("SE")
            out.raw(CanonicalJSON.string(lab.settings))
            out.key("P")
            out.object { out in for (key, value) in values.sorted(by: { $0.key < $1.key }) { out.field(key, value) } }
            resultTail(result, short: true, into: &out)
        }
    }

    static func createdRuntime(
        _ lab: CreatedLab, index: Int, world: SimulatedWorld, userID: String, into out: inout JSONWriter
    ) {
        let values = lab.runs[index]
        let run = lab.directRun(values)
        let backtestID = lab.backtestID(index, seed: world.configuration.seed)
        runtime(
            RuntimeSubject(
                backtestID: backtestID, botName: "\(lab.name) #\(index + 1)", scriptID: lab.script.id,
                scriptName: lab.script.name, accountID: lab.accountID, market: lab.market, leverage: run.leverage,
                positionMode: 0, tradeAmount: run.tradeAmount, interval: lab.interval,
                inputs: lab.script.inputs.map { input in
                    let value = values[input.name] ?? input.defaultValue.canonicalText
                    return (input.name, input.name, value, input.defaultValue.canonicalText)
                }),
            result: world.result(script: lab.script, run: run), userID: userID, into: &out)
    }
}
