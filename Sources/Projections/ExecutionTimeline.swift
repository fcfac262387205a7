import EventLog
import JSON
import LedgerEvents
import SQLiteKit

/// The `executions` table: one row per step of an execution, a lab's (`haas.lab.execution.updated`) or a direct
/// backtest's (requested, accepted, reconciled, progress, finished, cancelled, failed, changed). Rows are
/// appended, never replaced: the table is the timeline.
public final class ExecutionTimeline {
    private let insert: SQLiteStatement

    init(_ db: SQLiteConnection) throws {
        insert = try db.prepare(
            """
            INSERT INTO executions (lab_id, backtest_id, position, recorded_at, step, status, progress,
                completed_backtests, scheduled_backtests, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
    }

    /// The step each direct-backtest event is.
    static let steps: [(type: EventType, step: String)] = [
        (.backtestRequested, "requested"), (.backtestAccepted, "accepted"), (.backtestReconciled, "reconciled"),
        (.backtestProgressed, "progress"), (.backtestFinished, "finished"), (.backtestCancelled, "cancelled"),
        (.backtestFailed, "failed"), (.backtestChanged, "changed"),
    ]

    static let types = steps.map(\.type) + [.labChanged, .labReconciled]

    func labUpdate(_ event: RecordedEvent, _ json: JSONValue, lab: String) throws {
        try insert.run([
            .text(lab), .null, .integer(Int64(event.position)), .integer(event.recordedAt), .text("updated"),
            .init(json["status"] ?? .null), .init(json["progress"] ?? .null),
            .init(json["completed_backtests"] ?? .null), .init(json["scheduled_backtests"] ?? .null), .null,
        ])
    }

    /// Appends the step `event` is; false when it is no direct-backtest event.
    func apply(_ event: RecordedEvent) throws -> Bool {
        if event.type == EventType.labChanged.name || event.type == EventType.labReconciled.name {
            let json = try event.currentPayload()
            guard let lab = json["lab_id"]?.stringValue else { return true }
            let changed = event.type == EventType.labChanged.name
            try insert.run([
                .text(lab), .null, .integer(Int64(event.position)), .integer(event.recordedAt),
                .text(changed ? json["action"]?.stringValue ?? "changed" : "reconciled"), .null, .null, .null, .null,
                (changed ? Self.labDetail(json) : Self.detail("reconciled", json)).map(SQLiteValue.text) ?? .null,
            ])
            return true
        }
        guard let step = Self.steps.first(where: { $0.type.name == event.type })?.step else { return false }
        let json = try event.currentPayload()
        guard let backtest = json["backtest_id"]?.stringValue else { return true }
        try insert.run([
            .null, .text(backtest), .integer(Int64(event.position)), .integer(event.recordedAt), .text(step),
            .init(json["status"] ?? .null), .init(json["progress"] ?? .null), .null, .null,
            Self.detail(step, json).map(SQLiteValue.text) ?? .null,
        ])
        return true
    }

    /// The step a direct-backtest event type is, and what a person needs from it in a few words.
    public static func describe(type: String, payload json: JSONValue) -> String? {
        guard let step = steps.first(where: { $0.type.name == type })?.step else { return nil }
        return detail(step, json)
    }

    static func labDetail(_ json: JSONValue) -> String? {
        guard let request = json["request"], request != .null else { return nil }
        let reconciled = json["reconciled"] == .bool(true) ? " (reconciled)" : ""
        return CanonicalJSON.string(request) + reconciled
    }

    static func detail(_ step: String, _ json: JSONValue) -> String? {
        func text(_ key: String) -> String? {
            guard let value = json[key], value != .null else { return nil }
            return value.stringValue ?? CanonicalJSON.string(value)
        }
        switch step {
        case "requested":
            let version = text("script_version").map { " version \($0.prefix(12))" } ?? ""
            return "script \(text("script_id") ?? "?")\(version), parameters \(text("parameters") ?? "{}")"
        case "accepted":
            return json["reconciled"] == .bool(true)
                ? "found on the server after \(text("requests") ?? "?") request(s)" : text("service_id")
        case "reconciled":
            return
                "\(text("failure") ?? "?"): \(json["found"] == .bool(true) ? "found" : "not found") (\(text("answer") ?? ""))"
        case "progress":
            let percent = json["progress"]?.numberValue.map { " \($0.canonicalText) %" } ?? ""
            return (text("phase") ?? "?") + percent
        case "finished": return text("polls").map { "\($0) polls" }
        case "cancelled": return text("reason")
        case "failed": return "\(text("stage") ?? "?"): \(text("error") ?? "?")"
        case "changed": return [text("action"), text("tag")].compactMap { $0 }.joined(separator: " ")
        default: return nil
        }
    }
}
