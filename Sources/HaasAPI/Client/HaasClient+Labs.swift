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
        var reconciliations: [BacktestStart.Reconciliation] = []
        var requests = 0
        while true {
            requests += 1
            do {
                let reply: HaasReply<LabRecord> = try await call(
                    .labs, channel, parameters, subject: (nil, nil), retrying: false)
                return LabChange(lab: reply.value, body: reply.body, reconciliations: reconciliations, requests: requests)
            } catch let error as HaasAPIError where error.isTransient && requests < configuration.retry.maxAttempts {
                let made = matching(try await labs().value).filter { !before.contains($0) }
                guard made.count <= 1 else {
                    throw HaasAPIError.protocolViolation(
                        channel: channel, httpStatus: 200,
                        reason: "\(made.count) new labs named '\(name)' appeared; not sending it again")
                }
                if let id = made.first {
                    reconciliations.append(.init(failure: error.description, found: true, answer: "lab \(id)"))
                    configuration.onRetry?("\(channel): \(error.retryReason); the server has made lab \(id), so it is not sent again")
                    let details = try await labDetails(labID: id)
                    return LabChange(
                        lab: details.value, body: details.body, reconciliations: reconciliations, requests: requests)
                }
                reconciliations.append(.init(failure: error.description, found: false, answer: "no new lab '\(name)'"))
                try await pause(afterAttempt: requests, channel: channel, reason: "\(error.retryReason); no lab was made")
            }
        }
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
        var reconciliations: [BacktestStart.Reconciliation] = []
        var requests = 0
        while true {
            requests += 1
            do {
                let reply: HaasReply<LabRecord> = try await call(
                    .labs, "START_LAB_EXECUTION", parameters, subject: (labID, nil), retrying: false)
                return LabChange(lab: reply.value, body: reply.body, reconciliations: reconciliations, requests: requests)
            } catch let error as HaasAPIError where error.isTransient && requests < configuration.retry.maxAttempts {
                let reply = try await labDetails(labID: labID)
                let details = reply.value
                let started =
                    (details.status == 1 || details.status == 2 || details.status == 3)
                    && details.startUnix == start && details.endUnix == end
                reconciliations.append(
                    .init(
                        failure: error.description, found: started,
                        answer: "status \(details.status.map(String.init) ?? "unknown")"))
                if started {
                    configuration.onRetry?("START_LAB_EXECUTION: \(error.retryReason); lab \(labID) is running, so it is not sent again")
                    return LabChange(lab: details, body: reply.body, reconciliations: reconciliations, requests: requests)
                }
                try await pause(afterAttempt: requests, channel: "START_LAB_EXECUTION", reason: "\(error.retryReason); the lab did not start")
            }
        }
    }

    /// False when the lab was not running.
    public func cancelLabExecution(labID: String) async throws -> HaasReply<Bool> {
        try await call(.labs, "CANCEL_LAB_EXECUTION", ["labid": labID], subject: (labID, nil))
    }

    public func deleteLab(labID: String) async throws -> HaasReply<Bool> {
        try await call(.labs, "DELETE_LAB", ["labid": labID], subject: (labID, nil))
    }
}
