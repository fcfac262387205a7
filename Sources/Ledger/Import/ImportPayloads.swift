import BacktestMetrics
import Dispatch
import EventLog
import HaasAPI
import JSON
import LedgerEvents

/// The events that record the files themselves.
enum ImportPayloads {
    static func importedID(sha256: String) -> EventID { EventID.derived(from: "\(EventType.fileImported.name)|\(sha256)") }

    /// The id of a further path holding bytes already imported under another (the first path keeps `importedID`).
    static func copyID(sha256: String, path: String) -> EventID {
        EventID.derived(from: "\(EventType.fileImported.name)|\(sha256)|\(path)")
    }

    /// A further path of bytes already imported: its own `cache.file.imported` naming the first path, the bytes
    /// stored once (the blob store keeps one copy per hash), no facts again.
    static func copy(_ file: CacheFile, kind: CacheFileKind, of original: String, serverLabel: String?, runID: EventID)
        -> EventDraft
    {
        EventDraft(
            .fileImported, id: copyID(sha256: file.sha256, path: file.path), stream: "import:\(file.sha256)",
            payload: Payload(
                .object([
                    ("path", .string(file.path)), ("kind", .string(kind.rawValue)), ("bytes", .number(file.bytes.count)),
                    ("modified_at", .string(Timestamp.format(file.modifiedAt))), ("sha256", .string(file.sha256)),
                    ("server_label", .optional(serverLabel)), ("facts", .number(0)), ("same_bytes_as", .string(original)),
                ])), observedAt: file.modifiedAt, correlationID: runID, source: file.path, blobs: [file.blob])
    }

    static func imported(_ file: CacheFile, _ parsed: ParsedCacheFile, serverLabel: String?, runID: EventID)
        -> EventDraft
    {
        let members: [(key: String, value: JSONValue)] =
            [
                ("path", .string(file.path)), ("kind", .string(parsed.kind.rawValue)),
                ("bytes", .number(file.bytes.count)),
                ("modified_at", .string(Timestamp.format(file.modifiedAt))), ("sha256", .string(file.sha256)),
                ("server_label", .optional(serverLabel)), ("facts", .number(parsed.facts.count)),
            ] + parsed.details
        return EventDraft(
                .fileImported, id: importedID(sha256: file.sha256), stream: "import:\(file.sha256)", payload: Payload(.object(members)), observedAt: file.modifiedAt, correlationID: runID, source: file.path,
            blobs: [file.blob])
    }

    /// A file that could not be imported: why, and its bytes as evidence when they could be read.
    static func failed(path: String, file: CacheFile?, kind: CacheFileKind?, problem: CacheFileProblem, runID: EventID)
        -> EventDraft
    {
        EventDraft(
                .importFailed, stream: "import:\(file?.sha256 ?? path)", payload: Payload(
                .object([
                    ("path", .string(path)), ("kind", .optional(kind?.rawValue)), ("field", .optional(problem.field)),
                    ("reason", .string(problem.reason)), ("bytes", .optional(file?.bytes.count)),
                    ("modified_at", .optional(file.map { Timestamp.format($0.modifiedAt) })),
                    ("sha256", .optional(file?.sha256)),
                ])),
            observedAt: file?.modifiedAt, correlationID: runID, source: path, blobs: file.map { [$0.blob] } ?? [])
    }
}
