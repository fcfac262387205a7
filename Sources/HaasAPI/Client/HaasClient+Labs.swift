import Foundation
import JSON

/// What a call that creates or starts a lab came to: its reply, or what asking the server afterwards showed.
public struct LabChange: Sendable {
    public let lab: LabRecord
    /// The body the record came from (the reply's, or the details asked for afterwards).
    public let body: [UInt8]
    /// Each attempt whose outcome was unknown, and what asking the server showed.
    public let reconciliations: [BacktestStart.Reconciliation]
    /// Requests of the starting channel sent.
    public let requests: Int
}

extension HaasClient {
    /// `CREATE_LAB`. There is no client-chosen id, so after a reply that leaves open whether the lab was made,
    /// the lab list is compared with the one taken before: a new lab of that name and script is the one made;
    /// none means it was not, and only then is the request sent again.
    public func createLab(
        scriptID: String, name: String, accountID: String, market: String, interval: Int, style: Int = 300
    ) async throws -> LabChange {
        let parameters = [
            "scriptid": scriptID, "name": name, "accountid": accountID, "market": market, "interval": String(interval),
            "style": String(style),
        ]
        return try await creating(channel: "CREATE_LAB", name: name, scriptID: scriptID, parameters: parameters)
    }

    /// `CLONE_LAB`: a copy with its parameters and settings ("use clone, not create + update"); reconciled as
    /// `createLab` is.
    public func cloneLab(labID: String, name: String, scriptID: String?) async throws -> LabChange {
        try await creating(
            channel: "CLONE_LAB", name: name, scriptID: scriptID, parameters: ["labid": labID, "name": name])
    }

    private func creating(channel: String, name: String, scriptID: String?, parameters: [String: String])
        async throws -> LabChange
    {
        func matching(_ labs: [LabRecord]) -> [String] {
            labs.filter { $0.name == name && (scriptID == nil || $0.scriptID == scriptID) }.map(\.labID)
        }
        let before = Set(matching(try await labs().value))
        let outcome = try await startOnce(
            channel: channel,
            send: { () async throws -> HaasReply<LabRecord> in
                try await call(.labs, channel, parameters, subject: (nil, nil), retrying: false)
            },
            ask: { _ in
                let made = matching(try await labs().value).filter { !before.contains($0) }
                guard made.count <= 1 else {
                    throw HaasAPIError.protocolViolation(
                        channel: channel, httpStatus: 200,
                        reason: "\(made.count) new labs named '\(name)' appeared; not sending it again")
                }
                guard let id = made.first else { return .didNotHappen(answer: "no new lab named '\(name)'") }
                return .happened(try await labDetails(labID: id), answer: "lab \(id)")
            },
            happened: { "the server has made \($0)" })
        return LabChange(
            lab: outcome.value.value, body: outcome.value.body, reconciliations: outcome.reconciliations,
            requests: outcome.requests)
    }

    /// `UPDATE_LAB_DETAILS` with the full parameter list (a parameter left out is removed by the server), so
    /// sending it twice is the same as once and it is retried as any call is.
    public func updateLabDetails(
        labID: String, name: String, algorithm: Int, config: JSONValue, settings: JSONValue, parameters: JSONValue
    ) async throws -> HaasReply<LabRecord> {
        try await call(
            .labs, "UPDATE_LAB_DETAILS",
            [
                "labid": labID, "name": name, "type": String(algorithm), "config": CanonicalJSON.string(config),
                "settings": CanonicalJSON.string(settings), "parameters": CanonicalJSON.string(parameters),
            ], subject: (labID, nil))
    }

    /// `START_LAB_EXECUTION`, never blindly retried: after an unknown outcome the lab's details say whether it
    /// is queued or running over this period (then it started).
    public func startLabExecution(labID: String, start: Int64, end: Int64) async throws -> LabChange {
        let parameters = [
            "labid": labID, "startunix": String(start), "endunix": String(end), "sendemail": "false",
        ]
        let outcome = try await startOnce(
            channel: "START_LAB_EXECUTION",
            send: { () async throws -> HaasReply<LabRecord> in
                try await call(.labs, "START_LAB_EXECUTION", parameters, subject: (labID, nil), retrying: false)
            },
            ask: { _ in
                let reply = try await labDetails(labID: labID)
                let details = reply.value
                let status = "status \(details.status.map(String.init) ?? "unknown")"
                let started =
                    (details.status == 1 || details.status == 2 || details.status == 3)
                    && details.startUnix == start && details.endUnix == end
                return started
                    ? .happened(reply, answer: status) : .didNotHappen(answer: "the lab did not start (\(status))")
            },
            happened: { _ in "lab \(labID) is running" })
        return LabChange(
            lab: outcome.value.value, body: outcome.value.body, reconciliations: outcome.reconciliations,
            requests: outcome.requests)
    }

    /// False when the lab was not running.
    public func cancelLabExecution(labID: String) async throws -> HaasReply<Bool> {
        try await call(.labs, "CANCEL_LAB_EXECUTION", ["labid": labID], subject: (labID, nil))
    }

    public func deleteLab(labID: String) async throws -> HaasReply<Bool> {
        try await call(.labs, "DELETE_LAB", ["labid": labID], subject: (labID, nil))
    }
}
