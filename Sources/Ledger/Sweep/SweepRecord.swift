import EventLog
import Foundation
import JSON
import LedgerEvents
import Projections

/// What the log says about one sweep, replayed from its stream: the definition, each trial asked and told,
/// and how it ended. Everything a resume needs to carry on exactly where the sweep was.
struct SweepRecord: Sendable {
    struct Trial: Sendable {
        let number: Int
        /// Derived for a direct trial; a lab trial's is known once it ran (empty until then).
        var backtestID: String
        let parameters: JSONValue
        var state: String?
        var objective: JSONValue = .null
        var broken: [String] = []
        var reason: String?
    }

    let sweepID: String
    var definition: SweepDefinition?
    var budget = 0
    /// When `haas.sweep.started` was recorded, µs (the time limit counts from it).
    var startedAt: Int64 = 0
    private(set) var trials: [Trial] = []
    var finished: (reason: String, best: Int?)?
    /// How many trials have a verdict: asked once per trial told, so kept rather than counted.
    private(set) var toldCount = 0
    /// The told trials as the sampler sees them, numbers 0, 1, 2… for as far as all are told: each trial is
    /// turned into a `ToldTrial` once, not at every ask.
    private var knownPrefix: [ToldTrial] = []

    var told: [Trial] { trials.filter { $0.state != nil } }
    var inFlight: [Trial] { trials.filter { $0.state == nil } }

    mutating func ask(_ trial: Trial) { trials.append(trial) }

    /// The trial numbered `number`: at that place when trials were asked in order, as a sweep asks them.
    func index(of number: Int) -> Int? {
        if trials.indices.contains(number), trials[number].number == number { return number }
        return trials.firstIndex { $0.number == number }
    }

    mutating func tell(
        _ number: Int, state: String?, objective: JSONValue = .null, broken: [String] = [], backtestID: String? = nil,
        reason: String? = nil
    ) {
        guard let index = index(of: number) else { return }
        if let backtestID, !backtestID.isEmpty { trials[index].backtestID = backtestID }
        if trials[index].state == nil, state != nil { toldCount += 1 }
        if trials[index].state != nil, state == nil { toldCount -= 1 }
        trials[index].state = state
        trials[index].objective = objective
        trials[index].broken = broken
        trials[index].reason = reason
        if number < knownPrefix.count { knownPrefix.removeSubrange(number...) }
    }

    static func read(_ sweepID: String, in log: EventLog) throws -> SweepRecord {
        var record = SweepRecord(sweepID: sweepID)
        try log.read { reader in
            try reader.forEachEvent(inStream: RecorderStreams.sweep(sweepID)) { event in
                let json = try event.currentPayload()
                switch event.type {
                case EventType.sweepStarted.name:
                    record.definition = try SweepDefinition(
                        json: json["definition"] ?? .null, source: "haas.sweep.started at #\(event.position)")
                    record.budget = json["budget"]?.numberValue?.int64Value.map(Int.init) ?? 0
                    record.startedAt = event.recordedAt
                case EventType.sweepTrialAsked.name:
                    record.ask(
                        Trial(
                            number: json["trial"]?.numberValue?.int64Value.map(Int.init) ?? record.trials.count,
                            backtestID: json["backtest_id"]?.stringValue ?? "",
                            parameters: json["parameters"] ?? .object([])))
                case EventType.sweepTrialTold.name:
                    guard let number = json["trial"]?.numberValue?.int64Value.map(Int.init) else { return true }
                    var broken: [String] = []
                    if case .array(let items)? = json["broken"] { broken = items.compactMap(\.stringValue) }
                    record.tell(
                        number, state: json["state"]?.stringValue, objective: json["objective"] ?? .null,
                        broken: broken, backtestID: json["backtest_id"]?.stringValue,
                        reason: json["reason"]?.stringValue)
                case EventType.sweepFinished.name:
                    record.finished = (
                        json["reason"]?.stringValue ?? "?", json["best_trial"]?.numberValue?.int64Value.map(Int.init)
                    )
                default: break
                }
                return true
            }
        }
        return record
    }

    /// The told trials the sampler knows when it asks trial `number`: those numbered below
    /// `number - concurrency + 1`, all told by then.
    mutating func knowledge(for number: Int, concurrency: Int) -> [ToldTrial]? {
        let window = max(0, number - concurrency + 1)
        while knownPrefix.count < window {
            let next = knownPrefix.count
            guard let index = index(of: next), trials[index].state != nil else { return nil }
            knownPrefix.append(toldTrial(trials[index]))
        }
        return knownPrefix.count == window ? knownPrefix : Array(knownPrefix.prefix(window))
    }

    private func toldTrial(_ trial: Trial) -> ToldTrial {
        let maximize = definition?.objective.maximize ?? true
        let score = StoredMetric.orderable(trial.objective).map { maximize ? $0 : -$0 }
        let verdict: ToldTrial.Verdict =
            switch trial.state {
            case "complete": score.map(ToldTrial.Verdict.complete) ?? .unusable
            case "infeasible": .infeasible(score)
            default: .unusable
            }
        return ToldTrial(
            number: trial.number, parameters: trial.parameters, verdict: verdict, space: definition?.space ?? [])
    }

    /// The best complete trial under the sweep's direction (ties: the earliest).
    var best: Trial? {
        MetricOrder.best(
            told.filter { $0.state == "complete" }, maximize: definition?.objective.maximize ?? true,
            value: { StoredMetric.orderable($0.objective) }, number: { Int64($0.number) })
    }
}

/// A stored metric value (a number, or `"+inf"`/`"-inf"`) as a number to order by; nil for anything else.
enum StoredMetric {
    static func orderable(_ value: JSONValue?) -> Double? {
        guard let value else { return nil }
        return MetricOrder.orderable(number: value.numberValue?.doubleValue, text: value.stringValue ?? "")
    }

    /// The inverse, for recording: finite numbers as numbers, infinities as their strings.
    static func json(_ value: Double?) -> JSONValue {
        guard let value else { return .null }
        if value == .infinity { return .string("+inf") }
        if value == -.infinity { return .string("-inf") }
        return .optional(value)
    }
}

/// The events of a sweep (`haas.sweep.*`), on its stream.
enum SweepPayloads {
    static func draft(_ type: EventType, _ sweepID: String, _ members: [(key: String, value: JSONValue)]) -> EventDraft
    {
        EventDraft(
            type, stream: RecorderStreams.sweep(sweepID),
            payload: Payload(.object([("sweep_id", .string(sweepID))] + members)))
    }

    /// Trial n's backtest id: a UUID from the SHA-256 of the sweep id and n, so the same trial always
    /// carries the same id and the server's idempotency covers a trial in flight when a sweep was killed.
    static func backtestID(sweepID: String, trial: Int) -> String {
        var hex = Array(SHA256Hash.of(Array("haasledger sweep \(sweepID) trial \(trial)".utf8)).hex.prefix(32))
        hex[12] = "8"  // version 8: a name-based UUID of our own scheme
        hex[16] = ["8", "9", "a", "b"][Int(String(hex[16]), radix: 16)! % 4]
        let text = String(hex)
        let cuts = [8, 12, 16, 20]
        var parts: [Substring] = []
        var start = text.startIndex
        for cut in cuts {
            let end = text.index(text.startIndex, offsetBy: cut)
            parts.append(text[start..<end])
            start = end
        }
        parts.append(text[start...])
        return parts.joined(separator: "-")
    }
}
