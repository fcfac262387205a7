import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents

/// A lab as the server described it after a change.
public struct LabState: Sendable, Equatable {
    public let labID: String
    public let name: String?
    public let status: Int?
    public let scheduledBacktests: Int?

    init(_ record: LabRecord) {
        labID = record.labID
        name = record.name
        status = record.status
        scheduledBacktests = record.scheduledBacktests
    }
}

/// `haasledger lab create|clone|update|start|cancel|delete` and `lab run`: labs configured and started from
/// the ledger, every call recorded, each change as `haas.lab.changed` with the lab's state after it.
public struct LabService: Sendable {
    public let location: LedgerLocation
    public let clock: any LedgerClock
    public var writerPolicy: WriterLock.Policy = .waitOnStandardError
    /// Honoured between polls of `run`: the lab is cancelled on the server and the run closed as interrupted.
    public var stopRequest: StopRequest = .process

    public init(location: LedgerLocation, clock: any LedgerClock = SystemClock()) {
        self.location = location
        self.clock = clock
    }

    var runs: RecordedRun { RecordedRun(location: location, clock: clock, writerPolicy: writerPolicy) }

    public func create(
        scriptID: String, name: String, accountID: String, market: String, interval: Int,
        client configuration: HaasClientConfiguration
    ) async throws -> LabState {
        guard interval > 0 else { throw LedgerError.invalidArgument(flag: "--interval", reason: "must be at least 1") }
        return try await runs.perform("lab create", configuration) { client, recorder, _ in
            let change = try await client.createLab(
                scriptID: scriptID, name: name, accountID: accountID, market: market, interval: interval)
            Self.record(
                change, action: "created", recorder: recorder,
                request: [
                    ("name", .string(name)), ("script_id", .string(scriptID)), ("account_id", .string(accountID)),
                    ("market", .string(market)), ("interval", .number(interval)),
                ])
            return LabState(change.lab)
        }
    }

    public func clone(labID: String, name: String, client configuration: HaasClientConfiguration) async throws
        -> LabState
    {
        try await runs.perform("lab clone", configuration) { client, recorder, _ in
            let source = try await client.labDetails(labID: labID).value
            let change = try await client.cloneLab(labID: labID, name: name, scriptID: source.scriptID)
            Self.record(
                change, action: "cloned", recorder: recorder,
                request: [("from", .string(labID)), ("name", .string(name))])
            return LabState(change.lab)
        }
    }

    public func update(labID: String, _ update: LabUpdate, client configuration: HaasClientConfiguration)
        async throws -> LabState
    {
        guard !update.isEmpty else {
            throw LedgerError.invalidArgument(
                flag: "lab update", reason: "nothing to change: give --param, --algorithm, --config or --name")
        }
        return try await runs.perform("lab update", configuration) { client, recorder, _ in
            LabState(try await Self.apply(update, labID: labID, client: client, recorder: recorder))
        }
    }

    public func start(labID: String, start: Int64, end: Int64, client configuration: HaasClientConfiguration)
        async throws -> LabState
    {
        guard start < end else {
            throw LedgerError.invalidArgument(flag: "--from/--to", reason: "the period must end after it starts")
        }
        return try await runs.perform("lab start", configuration) { client, recorder, _ in
            LabState(try await Self.start(labID: labID, start: start, end: end, client: client, recorder: recorder))
        }
    }

    /// Cancels a running lab (false: it was not running) or deletes one.
    public func cancelOrDelete(labID: String, delete: Bool, client configuration: HaasClientConfiguration)
        async throws -> Bool
    {
        try await runs.perform(delete ? "lab delete" : "lab cancel", configuration) { client, recorder, _ in
            let answer =
                delete
                ? try await client.deleteLab(labID: labID).value
                : try await client.cancelLabExecution(labID: labID).value
            recorder.add(
                Self.changed(
                    labID, action: delete ? "deleted" : "cancelled", requests: 1, reconciled: false,
                    request: [("reason", .string("asked"))], accepted: answer))
            if !delete { await Self.observe(labID, client: client, recorder: recorder) }
            return answer
        }
    }

    // MARK: Steps shared with `run`

    /// Records the lab as the server now describes it (after a cancel, so the read models know); a failure
    /// here is left to the exchange record, the change itself is recorded already.
    static func observe(_ labID: String, client: HaasClient, recorder: EventRecorder) async {
        guard let details = try? await client.labDetails(labID: labID) else { return }
        recorder.add(
            FetchPayloads.lab(details.value, channel: "GET_LAB_DETAILS", bodyHash: Blob(details.body).hash.hex))
    }

    static func apply(_ update: LabUpdate, labID: String, client: HaasClient, recorder: EventRecorder) async throws
        -> LabRecord
    {
        let details = try await client.labDetails(labID: labID)
        recorder.add(
            FetchPayloads.lab(details.value, channel: "GET_LAB_DETAILS", bodyHash: Blob(details.body).hash.hex))
        let parameters = try update.parameterList(details.value.parameters)
        let config = update.configObject(details.value.config)
        let algorithm = update.algorithm?.number ?? details.value.algorithm ?? 0
        let name = update.name ?? details.value.name ?? ""
        let reply = try await client.updateLabDetails(
            labID: labID, name: name, algorithm: algorithm, config: config,
            settings: details.value.settings ?? .object([]),
            parameters: parameters)
        recorder.add(FetchPayloads.lab(reply.value, channel: "UPDATE_LAB_DETAILS", bodyHash: Blob(reply.body).hash.hex))
        recorder.add(
            changed(
                labID, action: "updated", requests: 1, reconciled: false,
                request: [
                    ("name", .string(name)), ("algorithm", .number(algorithm)), ("config", config),
                    (
                        "parameters",
                        .object(update.parameters.map { ($0.key, .array($0.options.map(JSONValue.string))) })
                    ),
                ], accepted: true))
        try recorder.flush()
        return reply.value
    }

    /// `context`: what else the change's request records (a sweep's id and trial number).
    static func start(
        labID: String, start: Int64, end: Int64, client: HaasClient, recorder: EventRecorder,
        context: [(key: String, value: JSONValue)] = []
    ) async throws -> LabRecord {
        let change = try await client.startLabExecution(labID: labID, start: start, end: end)
        record(
            change, action: "started", recorder: recorder,
            request: [("start", .number(start)), ("end", .number(end))] + context)
        try recorder.flush()
        return change.lab
    }

    static func record(
        _ change: LabChange, action: String, recorder: EventRecorder, request: [(key: String, value: JSONValue)]
    ) {
        let labID = change.lab.labID
        for reconciliation in change.reconciliations {
            recorder.add(
                EventDraft(
                    .labReconciled, stream: RecorderStreams.lab(labID),
                    payload: Payload(
                        .object([
                            ("lab_id", .string(labID)),
                            (
                                "channel",
                                .string(
                                    action == "started"
                                        ? "START_LAB_EXECUTION" : action == "cloned" ? "CLONE_LAB" : "CREATE_LAB")
                            ),
                            ("failure", .string(reconciliation.failure)), ("found", .bool(reconciliation.found)),
                            ("answer", .string(reconciliation.answer)),
                        ]))))
        }
        recorder.add(
            changed(
                labID, action: action, requests: change.requests,
                reconciled: change.reconciliations.contains { $0.found },
                request: request, accepted: true))
        recorder.add(FetchPayloads.lab(change.lab, channel: action.uppercased(), bodyHash: Blob(change.body).hash.hex))
    }

    static func changed(
        _ labID: String, action: String, requests: Int, reconciled: Bool, request: [(key: String, value: JSONValue)],
        accepted: Bool
    ) -> EventDraft {
        EventDraft(
            .labChanged, stream: RecorderStreams.lab(labID),
            payload: Payload(
                .object([
                    ("lab_id", .string(labID)), ("action", .string(action)), ("requests", .number(requests)),
                    ("reconciled", .bool(reconciled)), ("request", .object(request)), ("accepted", .bool(accepted)),
                ])))
    }
}
