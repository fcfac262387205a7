import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents

/// What a quick test showed: the debug side (compile errors from its log) and, when it ran, its headline.
public struct QuickTestResult: Sendable {
    public let debug: DebugResult
    public let positions: Int?
    /// The server's ROI, percent.
    public let roi: Double?
    public let realizedProfits: Double?
    public let winPercentage: Double?
}

extension ScriptService {
    /// A debug run (`EXECUTE_DEBUGTEST`), recorded with the compile errors read from its log. The script's
    /// record is fetched (and recorded) too, for its name and source, which the errors point into.
    public func debug(scriptID: String, settings: ScriptSettings? = nil, client configuration: HaasClientConfiguration)
        async throws -> DebugResult
    {
        try await recording("script debug", configuration) { client, recorder in
            let record = try await record(scriptID, client: client, recorder: recorder)
            let sent = try settings.map { try Self.settingsJSON($0, record: record) } ?? .object([])
            let reply = try await client.debugTest(
                scriptID: scriptID, scriptType: record.type ?? 0, settings: CanonicalJSON.string(sent))
            let result = DebugResult(script: record, messages: reply.value)
            recorder.add(
                Self.ran(
                    .scriptDebugged, result, settings: sent, bodyHash: Blob(reply.body).hash.hex, extra: []))
            return result
        }
    }

    /// A quick test (`EXECUTE_QUICKTEST`): a brief backtest of the script under `settings`, answered at once;
    /// recorded with its log, compile errors and the server's report values.
    public func quickTest(scriptID: String, settings: ScriptSettings, client configuration: HaasClientConfiguration)
        async throws -> QuickTestResult
    {
        try await recording("script quicktest", configuration) { client, recorder in
            let record = try await record(scriptID, client: client, recorder: recorder)
            let sent = try Self.settingsJSON(settings, record: record)
            let reply = try await client.quickTest(
                backtestID: UUID().uuidString.lowercased(), scriptID: scriptID, settings: CanonicalJSON.string(sent))
            let messages: [String] =
                if case .array(let lines)? = reply.value.record["Logs"] { lines.compactMap(\.stringValue) } else { [] }
            let debug = DebugResult(script: record, messages: messages)
            let runtime = reply.value.runtimeBytes == nil ? nil : try reply.value.runtime()
            let report = runtime?.primaryReport
            let result = QuickTestResult(
                debug: debug, positions: runtime?.finishedPositions.count, roi: report?.profits?.returnOnInvestment,
                realizedProfits: report?.profits?.realizedProfits, winPercentage: report?.performance?.winPercentage)
            recorder.add(
                Self.ran(
                    .scriptQuickTested, debug, settings: sent, bodyHash: Blob(reply.body).hash.hex,
                    extra: [
                        ("script_version", .optional(record.version)),
                        ("positions", .optional(result.positions)),
                        ("reported", runtime.map(FetchPayloads.reported) ?? .null),
                    ]))
            return result
        }
    }

    private func record(_ scriptID: String, client: HaasClient, recorder: EventRecorder) async throws -> ScriptRecord {
        let record = try await client.scriptRecord(scriptID: scriptID)
        recorder.add(Self.observed(record.value, channel: "GET_SCRIPT_RECORD", bodyHash: Blob(record.body).hash.hex))
        return record.value
    }

    /// The settings JSON, with `--param` checked against the script's inputs.
    static func settingsJSON(_ settings: ScriptSettings, record: ScriptRecord) throws -> JSONValue {
        try settings.validate()
        return settings.settings(scriptParameters: try settings.scriptParameters(inputs: ScriptInput.inputs(of: record)))
    }

    static func ran(
        _ type: EventType, _ result: DebugResult, settings: JSONValue, bodyHash: String,
        extra: [(key: String, value: JSONValue)]
    ) -> EventDraft {
        EventDraft(
            type, stream: "script:\(result.script.scriptID)",
            payload: Payload(
                .object(
                    [
                        ("script_id", .string(result.script.scriptID)), ("compiled", .bool(result.errors.isEmpty)),
                        ("messages", .array(result.messages.map(JSONValue.string))),
                        (
                            "errors",
                            .array(
                                result.errors.map { error in
                                    .object([
                                        ("line", .number(error.line)), ("column", .number(error.column)),
                                        ("message", .string(error.message)),
                                    ])
                                })
                        ),
                        ("settings", settings), ("body_sha256", .string(bodyHash)),
                    ] + extra)))
    }
}
