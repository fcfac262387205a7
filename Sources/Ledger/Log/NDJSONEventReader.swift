import EventLog
import JSON

/// Turns the NDJSON input of `log append` into drafts. One object per line:
/// `{"stream", "type", "payload"}` plus optional `id`, `expected_version`, `observed_at`,
/// `correlation_id`, `causation`, `schema_version` and `source`. Unknown fields are refused, so a typo
/// cannot silently drop data.
public enum NDJSONEventReader {
    /// The fields a line may have; `payload` is first, the one kept as bytes.
    static let fields: [String] = [
        "payload", "stream", "type", "id", "expected_version", "observed_at", "correlation_id", "causation",
        "schema_version", "source",
    ]
    static let knownFields = Set(fields)

    /// Parses every line before anything is appended; the first bad line fails the whole input.
    public static func drafts(from input: LineSource, defaultSource: String) throws -> [EventDraft] {
        var drafts: [EventDraft] = []
        for (number, bytes) in input.lines {
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            do {
                drafts.append(try draft(from: bytes, defaultSource: defaultSource))
            } catch let reason as Reason {
                throw LedgerError.malformedInput(source: input.name, line: number, reason: reason.text)
            }
        }
        return drafts
    }

    private static let placeholderID = EventID("00000000-0000-7000-8000-000000000000")!

    struct Reason: Error {
        let text: String
    }

    static func draft(from bytes: [UInt8], defaultSource: String) throws -> EventDraft {
        try draftAndID(from: bytes, defaultSource: defaultSource).draft
    }

    /// The draft, and whether the line gave its id (else a fresh one was generated, which no log holds yet).
    /// `generateIDs: false` (a check that keeps nothing) gives lines without an id a placeholder instead.
    static func draftAndID(from bytes: [UInt8], defaultSource: String, generateIDs: Bool = true) throws
        -> (draft: EventDraft, givenID: Bool)
    {
        let (json, payloadBytes) = try scan(bytes)
        guard case .object(let members) = json else {
            throw Reason(text: "expected a JSON object, found \(json.kindName)")
        }
        if let unknown = members.first(where: { !knownFields.contains($0.key) }) {
            throw Reason(
                text: "unknown field '\(unknown.key)' (known: \(knownFields.sorted().joined(separator: ", ")))")
        }
        guard let stream = try requiredString(json, "stream") else { throw Reason(text: "missing field 'stream'") }
        guard let type = try requiredString(json, "type") else { throw Reason(text: "missing field 'type'") }
        guard let payloadBytes else { throw Reason(text: "missing field 'payload'") }
        guard payloadBytes.first == UInt8(ascii: "{") else {
            let kind = (try? JSONParser.parse(payloadBytes).kindName) ?? "something else"
            throw Reason(text: "'payload' must be an object, found \(kind)")
        }
        let payload: Payload
        do {
            payload = try Payload(json: payloadBytes)
        } catch {
            throw Reason(text: "invalid JSON: \(error)")
        }
        var draft = EventDraft(
            id: generateIDs ? .generate() : placeholderID, stream: stream, type: type, payload: payload,
            source: defaultSource)
        if let id = try requiredString(json, "id") {
            guard let parsed = EventID(id) else { throw Reason(text: "'id' is not a UUID: \(id)") }
            draft.id = parsed
        }
        if let correlation = try requiredString(json, "correlation_id") {
            guard let parsed = EventID(correlation) else {
                throw Reason(text: "'correlation_id' is not a UUID: \(correlation)")
            }
            draft.correlationID = parsed
        }
        draft.expectedVersion = try unsigned(json, "expected_version", minimum: 0)
        draft.causation = try unsigned(json, "causation", minimum: 1)
        if let schema = try unsigned(json, "schema_version", minimum: 1) {
            guard schema <= UInt64(UInt32.max) else { throw Reason(text: "'schema_version' is too large") }
            draft.schemaVersion = UInt32(schema)
        }
        if let source = try requiredString(json, "source") { draft.source = source }
        switch json["observed_at"] {
        case nil, .null?: break
        case .string(let text)?:
            guard let micros = Timestamp.parse(text) else {
                throw Reason(text: "'observed_at' is not an ISO-8601 time: \(text)")
            }
            draft.observedAt = micros
        case .number(let number)?:
            guard let micros = number.int64Value else {
                throw Reason(text: "'observed_at' must be whole microseconds since the epoch")
            }
            draft.observedAt = micros
        case let other?:
            throw Reason(text: "'observed_at' must be an ISO-8601 string or microseconds, found \(other.kindName)")
        }
        return (draft, json["id"] != nil)
    }

    /// One pass over the line: the members other than `payload` as small trees, and the payload's bytes as they
    /// are (validated), so a payload already in canonical form is stored without being parsed into a tree.
    private static func scan(_ bytes: [UInt8]) throws -> (JSONValue, payload: [UInt8]?) {
        do {
            return try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in
                var scanner = JSONScanner(buffer)
                guard scanner.peek() == UInt8(ascii: "{") else {
                    let value = try JSONParser.value(&scanner)
                    try scanner.expectEnd()
                    return (value, nil)
                }
                var members: [(key: String, value: JSONValue)] = []
                var seen: UInt32 = 0
                var payload: [UInt8]?
                try scanner.objectMembers { name, scanner throws(JSONParseError) in
                    guard let index = fields.firstIndex(where: { name == $0 }) else {
                        // Unknown: kept (refused by name after the whole line proved to be JSON).
                        return members.append((name.string, try JSONParser.value(&scanner)))
                    }
                    guard seen & (1 << index) == 0 else { throw scanner.error("duplicate member name \"\(name.string)\"") }
                    seen |= 1 << index
                    if index == 0 {
                        _ = scanner.peek()
                        let start = scanner.index
                        try scanner.skipValue()
                        payload = Array(UnsafeBufferPointer(rebasing: buffer[start..<scanner.index]))
                    } else {
                        members.append((fields[index], try JSONParser.value(&scanner)))
                    }
                }
                try scanner.expectEnd()
                return (.object(members), payload)
            }
        } catch {
            throw Reason(text: "invalid JSON: \(error)")
        }
    }

    private static func requiredString(_ json: JSONValue, _ name: String) throws -> String? {
        guard let value = json[name] else { return nil }
        guard let text = value.stringValue else {
            throw Reason(text: "'\(name)' must be a string, found \(value.kindName)")
        }
        guard !text.isEmpty else { throw Reason(text: "'\(name)' is empty") }
        return text
    }

    private static func unsigned(_ json: JSONValue, _ name: String, minimum: UInt64) throws -> UInt64? {
        guard let value = json[name], value != .null else { return nil }
        guard let number = value.numberValue?.uint64Value, number >= minimum else {
            throw Reason(
                text:
                    "'\(name)' must be a whole number ≥ \(minimum), found \(value.numberValue?.description ?? value.kindName)"
            )
        }
        return number
    }
}
