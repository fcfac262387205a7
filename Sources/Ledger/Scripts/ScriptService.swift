import EventLog
import HaasAPI
import JSON
import LedgerEvents

/// `haasledger script list` and `script show`: what the server holds, recorded as it answered. A script's
/// source is kept as its own blob, so its SHA-256 names the exact version a backtest ran.
public struct ScriptService: Sendable {
    public let location: LedgerLocation
    public let clock: any LedgerClock
    /// What to do when another command is writing to the ledger.
    public var writerPolicy: WriterLock.Policy = .waitOnStandardError

    public init(location: LedgerLocation, clock: any LedgerClock = SystemClock()) {
        self.location = location
        self.clock = clock
    }

    /// Every script of the account (`GET_ALL_SCRIPT_ITEMS`), recorded.
    public func list(client configuration: HaasClientConfiguration) async throws -> [ScriptRecord] {
        try await recording("script list", configuration) { client, recorder in
            let reply = try await client.scripts()
            let hash = Blob(reply.body).hash.hex
            for script in reply.value {
                recorder.add(Self.observed(script, channel: "GET_ALL_SCRIPT_ITEMS", bodyHash: hash))
            }
            return reply.value.sorted { ($0.name ?? "", $0.scriptID) < ($1.name ?? "", $1.scriptID) }
        }
    }

    /// One script with its source (`GET_SCRIPT_RECORD`), recorded with the source as a blob.
    public func show(scriptID: String, client configuration: HaasClientConfiguration) async throws -> ScriptRecord {
        try await recording("script show", configuration) { client, recorder in
            let reply = try await client.scriptRecord(scriptID: scriptID)
            recorder.add(
                Self.observed(reply.value, channel: "GET_SCRIPT_RECORD", bodyHash: Blob(reply.body).hash.hex))
            return reply.value
        }
    }

    func recording<R: Sendable>(
        _ command: String, _ configuration: HaasClientConfiguration,
        _ body: (HaasClient, EventRecorder) async throws -> R
    ) async throws -> R {
        try await RecordedRun(location: location, clock: clock, writerPolicy: writerPolicy).perform(
            command, configuration
        ) { client, recorder, _ in try await body(client, recorder) }
    }

    /// GET_SCRIPT_RECORD, its `haas.script.observed` queued on `recorder` (committed with the caller's next
    /// flush), for commands that need the script's version and inputs before they start something.
    static func fetchRecorded(_ scriptID: String, client: HaasClient, recorder: EventRecorder) async throws
        -> ScriptRecord
    {
        let reply = try await client.scriptRecord(scriptID: scriptID)
        recorder.add(observed(reply.value, channel: "GET_SCRIPT_RECORD", bodyHash: Blob(reply.body).hash.hex))
        return reply.value
    }

    static func observed(_ script: ScriptRecord, channel: String, bodyHash: String) -> EventDraft {
        let source = script.source.map { Blob(Array($0.utf8)) }
        return EventDraft(
            .scriptObserved, stream: "script:\(script.scriptID)",
            payload: Payload(
                .object([
                    ("script_id", .string(script.scriptID)), ("channel", .string(channel)),
                    ("name", .optional(script.name)), ("type", .optional(script.type)),
                    ("compiled", script.compiled.map(JSONValue.bool) ?? .null),
                    ("valid", script.valid.map(JSONValue.bool) ?? .null), ("created_at", .optional(script.createdAt)),
                    ("updated_at", .optional(script.updatedAt)), ("source_sha256", .optional(source?.hash.hex)),
                    ("source_bytes", .optional(source?.bytes.count)),
                    ("compile_result", script.compileResult ?? .null), ("body_sha256", .string(bodyHash)),
                ])), blobs: source.map { [$0] } ?? [])
    }
}

extension ScriptRecord {
    /// The SHA-256 of the source, the script's version (nil when the reply carried no source).
    public var version: String? { source.map { Blob(Array($0.utf8)).hash.hex } }
}
