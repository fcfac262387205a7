import EventLog
import HaasAPI
import JSON
import LedgerEvents

/// What the log says about one direct backtest, read from its stream: whether it was requested and accepted,
/// the last status seen, and whether its runtime and end are recorded. Decides what a later command still
/// has to do, so nothing is started twice and nothing is recorded twice.
struct DirectBacktestRecord: Sendable {
    var requested: JSONValue?
    var accepted = false
    var serviceID: String?
    var lastStatus: Int?
    var lastProgress: Double?
    var polls = 0
    var runtimePosition: UInt64?
    var finished = false
    var cancelled = false
    var deleted = false
    /// The metrics recorded for its runtime, by formula.
    var metrics: [(formula: String, values: JSONValue)] = []

    var scriptVersion: String? { requested?["script_version"]?.stringValue }
    var isOver: Bool { finished || cancelled || deleted }

    /// How it ended, when it has.
    var endPhase: String? { finished ? "completed" : cancelled ? "cancelled" : deleted ? "deleted" : nil }

    static func read(_ backtestID: String, in log: EventLog) throws -> DirectBacktestRecord {
        var record = DirectBacktestRecord()
        try log.read { reader in
            try reader.forEachEvent(inStream: RecorderStreams.backtest(backtestID)) { event in
                switch event.type {
                case EventType.backtestRequested.name:
                    record.requested = try event.currentPayload()
                case EventType.backtestAccepted.name:
                    record.accepted = true
                    record.serviceID = try event.currentPayload()["service_id"]?.stringValue ?? record.serviceID
                case EventType.backtestProgressed.name:
                    let json = try event.currentPayload()
                    record.lastStatus = json["status"]?.numberValue?.int64Value.map(Int.init)
                    record.lastProgress = json["progress"]?.numberValue?.doubleValue
                case EventType.responseRecorded.name:
                    if try event.currentPayload()["channel"]?.stringValue == "GET_BACKTEST_INFO" { record.polls += 1 }
                case EventType.runtimeFetched.name: record.runtimePosition = event.position
                case EventType.metricsComputed.name:
                    let json = try event.currentPayload()
                    if let formula = json["formula"]?.stringValue, let values = json["values"] {
                        record.metrics.removeAll { $0.formula == formula }
                        record.metrics.append((formula, values))
                    }
                case EventType.backtestFinished.name: record.finished = true
                case EventType.backtestCancelled.name: record.cancelled = true
                case EventType.backtestChanged.name:
                    if try event.currentPayload()["action"]?.stringValue == "delete" { record.deleted = true }
                default: break
                }
                return true
            }
        }
        return record
    }
}

/// The events of a direct backtest (`haas.backtest.*`), on its stream.
enum DirectBacktestPayloads {
    static func draft(_ type: EventType, _ backtestID: String, _ members: [(key: String, value: JSONValue)])
        -> EventDraft
    {
        EventDraft(
            type, stream: RecorderStreams.backtest(backtestID),
            payload: Payload(.object([("backtest_id", .string(backtestID))] + members)))
    }

    static func progressed(_ backtestID: String, _ info: BacktestInfo) -> EventDraft {
        draft(
            .backtestProgressed, backtestID,
            [
                ("status", .optional(info.status)), ("phase", .string(info.phase.rawValue)),
                ("progress", info.progress.flatMap(JSONNumber.init).map(JSONValue.number) ?? .null),
                ("record", info.record),
            ])
    }

    static func failed(_ backtestID: String, stage: String, _ error: any Error) -> EventDraft {
        draft(.backtestFailed, backtestID, [("stage", .string(stage)), ("error", .string(String(describing: error)))])
    }

    static func cancelled(_ backtestID: String, reason: String, serverStoppedIt: Bool?) -> EventDraft {
        draft(
            .backtestCancelled, backtestID,
            [("reason", .string(reason)), ("server_stopped_it", serverStoppedIt.map(JSONValue.bool) ?? .null)])
    }
}
