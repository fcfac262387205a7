import BacktestMetrics
import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents

/// Sweep trials run as lab runs (`runner = "labs"`): trial n on lab n mod count, every input the sweep sets
/// given one option (so the run is one backtest), started with the sweep's id and the trial's number in the
/// recorded request. A resume finds a trial's run by that record or, when a kill fell between the server's answer
/// and the record, by the lab running or holding a result with exactly the trial's inputs: never started twice.
struct SweepLabTrials: Sendable {
    let sweepID: String
    let definition: SweepDefinition

    func lab(for trial: Int) -> String { definition.labs[trial % definition.labs.count] }

    /// The inputs a trial sets on its lab: the fixed ones and its searched ones, input name → value.
    func inputs(_ trial: SweepRecord.Trial) -> [(name: String, value: String)] {
        var values = definition.settings.parameters.map { (name: $0.key, value: $0.value) }
        if case .object(let members) = trial.parameters {
            values += members.map { (name: $0.key, value: SweepParameter.text($0.value)) }
        }
        return values
    }

    /// A lab key for an input: the input's name, or a key ending in `.name` (the server prefixes keys).
    static func key(_ name: String, in keys: [String]) -> String? {
        keys.first { $0 == name } ?? keys.first { $0.hasSuffix("." + name) }
    }

    /// Every lab exists, runs the sweep's script, has every input the sweep sets, and leaves none with several
    /// options (a run would be a grid, not one trial). Checked before the first trial, each lab recorded.
    func check(client: HaasClient, recorder: EventRecorder, source: String) async throws {
        let names = definition.settings.parameters.map(\.key) + definition.space.map(\.name)
        for (index, labID) in definition.labs.enumerated() {
            func refuse(_ reason: String) -> LedgerError {
                .invalidFile(path: source, field: "labs[\(index)]", reason: "lab \(labID) \(reason)")
            }
            let details: HaasReply<LabRecord>
            do {
                details = try await client.labDetails(labID: labID)
            } catch HaasAPIError.serverRefused(_, let message) {
                throw refuse("cannot be used: the server says \"\(message)\"")
            }
            recorder.add(
                FetchPayloads.lab(details.value, channel: "GET_LAB_DETAILS", bodyHash: Blob(details.body).hash.hex))
            if let script = details.value.scriptID, script != definition.scriptID {
                throw refuse("runs script \(script), not the sweep's \(definition.scriptID)")
            }
            guard case .array(let items)? = details.value.parameters else {
                throw refuse("lists no parameters (P); nothing can be set on it")
            }
            let keys = items.compactMap { $0["K"]?.stringValue }
            if let missing = names.first(where: { Self.key($0, in: keys) == nil }) {
                throw refuse("has no input '\(missing)' (its inputs: \(keys.joined(separator: ", ")))")
            }
            let set = Set(names.compactMap { Self.key($0, in: keys) })
            for item in items {
                guard let key = item["K"]?.stringValue, !set.contains(key), case .array(let options)? = item["O"],
                    options.count > 1
                else { continue }
                throw refuse(
                    "tries \(options.count) options for '\(key)', which the sweep leaves alone: fix it (`fixed`) so each run is one trial"
                )
            }
        }
        try recorder.flush()
    }

    /// Runs (or, resumed, follows) one trial's lab run and returns its backtest with its metrics.
    func run(
        _ trial: SweepRecord.Trial, client: HaasClient, recorder: EventRecorder, log: EventLog,
        formulas: [FormulaSet], stop: StopRequest, cancelsOnStop: @escaping @Sendable () -> Bool
    ) async throws -> BacktestOutcome {
        let labID = lab(for: trial.number)
        let inputs = inputs(trial)
        if try !startRecorded(trial.number, lab: labID, in: log) {
            try await start(trial.number, lab: labID, inputs: inputs, client: client, recorder: recorder)
        }
        var follower = LabFollower(
            request: LabRunRequest(
                client: client.configuration, labID: labID, resume: true, maxConcurrent: 1,
                pollInterval: definition.pollInterval),
            client: client, recorder: recorder, log: log, formulas: formulas, stop: stop, progress: nil)
        follower.cancelsOnStop = cancelsOnStop
        let summary = try await follower.follow()
        guard summary.status == 3 else {
            return BacktestOutcome(
                backtestID: "", phase: "cancelled", progress: nil, polls: 0, reconciliations: 0, scriptVersion: nil,
                runtimePosition: nil, metrics: [])
        }
        guard let result = summary.listed.first(where: { Self.matches($0.parameters, inputs) }) else {
            throw LedgerError.partialFailure(
                "lab \(labID)'s run for sweep \(sweepID) trial \(trial.number) holds no result with the trial's inputs")
        }
        let record = try DirectBacktestRecord.read(result.backtestID, in: log)
        var metrics = record.metrics
        if let position = record.runtimePosition {
            // A run stopped between a runtime and its metrics left them to this one.
            let missing = try MetricsEngine(log: log).missingMetrics(runtimeAt: position, formulas: formulas)
            for draft in missing { recorder.add(draft) }
            try recorder.flush()
            metrics += try BacktestFollower.values(missing)
        }
        return BacktestOutcome(
            backtestID: result.backtestID, phase: "completed", progress: 1, polls: 0, reconciliations: 0,
            scriptVersion: nil, runtimePosition: record.runtimePosition, metrics: metrics)
    }

    /// Cancels the trial's lab run when its lab is running (`sweep cancel` with no sweep process left).
    func cancel(_ trial: Int, client: HaasClient, recorder: EventRecorder) async {
        let labID = lab(for: trial)
        let status = try? await client.labDetails(labID: labID).value.status
        guard status == 1 || status == 2 else { return }
        let stopped = try? await client.cancelLabExecution(labID: labID).value
        recorder.add(
            LabService.changed(
                labID, action: "cancelled", requests: 1, reconciled: false,
                request: [("reason", .string("sweep cancelled")), ("sweep_id", .string(sweepID))],
                accepted: stopped ?? false))
    }

    /// Whether the log holds the lab's start for this trial.
    private func startRecorded(_ trial: Int, lab labID: String, in log: EventLog) throws -> Bool {
        var found = false
        try log.read { reader in
            try reader.forEachEvent(inStream: RecorderStreams.lab(labID)) { event in
                guard event.type == EventType.labChanged.name else { return true }
                let json = try event.currentPayload()
                let request = json["request"] ?? .null
                found =
                    json["action"]?.stringValue == "started" && request["sweep_id"]?.stringValue == sweepID
                    && request["trial"]?.numberValue?.int64Value == Int64(trial)
                return !found
            }
        }
        return found
    }

    /// Sets the trial's inputs and starts the lab, unless the server shows the start already happened.
    private func start(
        _ trial: Int, lab labID: String, inputs: [(name: String, value: String)], client: HaasClient,
        recorder: EventRecorder
    ) async throws {
        let details = try await client.labDetails(labID: labID)
        recorder.add(
            FetchPayloads.lab(details.value, channel: "GET_LAB_DETAILS", bodyHash: Blob(details.body).hash.hex))
        let status = details.value.status ?? 0
        let setUp = Self.holds(details.value.parameters, inputs)
        if status == 1 || status == 2 {
            guard setUp else {
                throw LedgerError.partialFailure(
                    "lab \(labID) is running a run sweep \(sweepID) did not start; `haasledger lab cancel \(labID)`, then `haasledger sweep resume \(sweepID)`"
                )
            }
            return  // started, its record lost with a kill
        }
        if setUp && status == 3 {
            let page = try await client.backtestResultPage(labID: labID, nextPageID: 0, pageLength: 1)
            if page.value.items.contains(where: { Self.matches($0.parameters, inputs) }) { return }
        }
        let keys: [String] =
            if case .array(let items)? = details.value.parameters { items.compactMap { $0["K"]?.stringValue } } else {
                []
            }
        let specs = inputs.compactMap { input in
            Self.key(input.name, in: keys).map { LabParameterSpec(key: $0, options: [input.value]) }
        }
        _ = try await LabService.apply(
            LabUpdate(parameters: specs, algorithm: .brute), labID: labID, client: client, recorder: recorder)
        _ = try await LabService.start(
            labID: labID, start: definition.start, end: definition.end, client: client, recorder: recorder,
            context: [("sweep_id", .string(sweepID)), ("trial", .number(trial))])
    }

    /// Whether a lab's parameter list (`P`) gives each input exactly its one value.
    static func holds(_ parameters: JSONValue?, _ inputs: [(name: String, value: String)]) -> Bool {
        guard case .array(let items)? = parameters else { return false }
        let keys = items.compactMap { $0["K"]?.stringValue }
        return inputs.allSatisfy { input in
            guard let key = key(input.name, in: keys), let item = items.first(where: { $0["K"]?.stringValue == key }),
                case .array(let options)? = item["O"], options.count == 1
            else { return false }
            return same(options[0], input.value)
        }
    }

    /// Whether a result's parameters (`P`, key → value) carry every input's value.
    static func matches(_ parameters: JSONValue?, _ inputs: [(name: String, value: String)]) -> Bool {
        guard case .object(let members)? = parameters else { return false }
        let keys = members.map(\.key)
        return inputs.allSatisfy { input in
            guard let key = key(input.name, in: keys), let value = members.first(where: { $0.key == key })?.value
            else { return false }
            return same(value, input.value)
        }
    }

    /// A value as the server sent it (text or number) against one the sweep set: equal as text, or as numbers.
    private static func same(_ value: JSONValue, _ text: String) -> Bool {
        let sent = value.stringValue ?? value.numberValue.map { CanonicalJSON.string(.number($0)) } ?? ""
        if sent == text { return true }
        guard let left = Double(sent), let right = Double(text) else { return false }
        return left == right
    }
}

extension LabParameterSpec {
    /// One input's options as a sweep's trial sets them.
    init(key: String, options: [String]) {
        self.key = key
        self.options = options
    }
}
