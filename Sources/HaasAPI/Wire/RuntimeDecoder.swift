import JSON

/// A runtime body that did not decode, with the path to the member that failed ("Data.FinishedPositions[3].rp").
public struct RuntimeDecodingError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let underlying: JSONParseError

    public var description: String { path.isEmpty ? underlying.description : "\(path): \(underlying)" }
}

/// What a runtime body holds: the `{Success, Error, Data}` envelope's header when it has one, and the runtime
/// (the envelope's `Data`, or the bare document).
public struct RuntimeDocument: Sendable, Equatable {
    /// Nil for a bare runtime (as pyHaasAPI caches store it).
    public let success: Bool?
    public let error: String?
    /// Nil when an envelope's `Data` is absent or null.
    public let runtime: BacktestRuntime?
    /// False when the runtime has no `Reports` member (a document that is no runtime at all, say).
    public let hasReports: Bool
}

/// The one runtime decoder: reads `BacktestRuntime` straight from the bytes with `JSONScanner`, skipping (and
/// validating) what the ledger does not use. The client, the metrics engine and the importer all decode
/// runtimes here; a 25 KB runtime through `JSONDecoder` builds a dictionary per object and costs ~0.5 ms.
public enum RuntimeDecoder {
    public static func decode(_ bytes: [UInt8]) throws(RuntimeDecodingError) -> RuntimeDocument {
        var path = FieldPath()
        do {
            return try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in
                var scanner = JSONScanner(buffer)
                var success: Bool?, error: String?
                var data: RuntimeFields?, bare = RuntimeFields()
                var seen = Set<String>()
                try scanner.objectMembers { name, scanner throws(JSONParseError) in
                    guard name == "Success" || name == "Error" || name == "Data" else {
                        return try bare.read(name, &scanner, &path)
                    }
                    let key = name.string
                    guard seen.insert(key).inserted else { throw scanner.error("duplicate member name \"\(key)\"") }
                    path.push(key)
                    switch key {
                    case "Success": success = try scanner.bool()
                    case "Error": error = try scanner.optional { s throws(JSONParseError) in try s.string() }
                    default:
                        if try !scanner.null() {
                            var fields = RuntimeFields()
                            try scanner.objectMembers { name, s throws(JSONParseError) in
                                try fields.read(name, &s, &path)
                            }
                            data = fields
                        }
                    }
                    path.pop()
                }
                try scanner.expectEnd()
                let isEnvelope = success != nil || seen.contains("Data")
                let fields = isEnvelope ? data : bare
                return RuntimeDocument(
                    success: success, error: error, runtime: fields?.runtime, hasReports: fields?.hasReports ?? false)
            }
        } catch {
            throw RuntimeDecodingError(path: path.text, underlying: error)
        }
    }

    /// The runtime of a body, or the reason it has none.
    public static func runtime(_ bytes: [UInt8]) throws(RuntimeDecodingError) -> BacktestRuntime {
        let document = try decode(bytes)
        guard let runtime = document.runtime else {
            throw RuntimeDecodingError(path: "Data", underlying: JSONParseError(offset: 0, reason: "is missing or null"))
        }
        return runtime
    }
}

/// Where the decoder is, kept as it walks so an error can name the member; popped only on success, so on a
/// throw it still names the member that failed.
struct FieldPath {
    /// A step into the document; kept without allocating, since the path is only read when decoding fails.
    enum Part {
        case key(StaticString)
        case name(String)
        case index(Int)
    }

    private var parts: [Part] = []
    /// Parts recorded while an error unwinds (innermost first), by decoders too hot to push and pop per member.
    private var unwound: [Part] = []
    mutating func push(_ part: Part) { parts.append(part) }
    mutating func push(_ name: String) { parts.append(.name(name)) }
    mutating func pop() { parts.removeLast() }
    mutating func unwind(_ part: Part) { unwound.append(part) }
    var text: String {
        (parts + unwound.reversed()).reduce(into: "") { text, part in
            switch part {
            case .index(let index): text += "[\(index)]"
            case .key(let key): text += (text.isEmpty ? "" : ".") + key.description
            case .name(let name): text += (text.isEmpty ? "" : ".") + name
            }
        }
    }
}

/// The top-level runtime fields, filled as their keys arrive.
private struct RuntimeFields {
    var seen: UInt32 = 0
    var botID: String?, botName: String?, scriptID: String?, scriptName: String?, accountID: String?
    var priceMarket: String?
    var leverage: Double?
    var activatedSince: Int64?, deactivatedSince: Int64?, lastUpdateTimestamp: Int64?
    var reports: [String: RuntimeReport] = [:]
    var positions: [RuntimePosition] = []
    var hasReports = false

    var runtime: BacktestRuntime {
        BacktestRuntime(
            botID: botID, botName: botName, scriptID: scriptID, scriptName: scriptName, accountID: accountID,
            priceMarket: priceMarket, leverage: leverage, activatedSince: activatedSince,
            deactivatedSince: deactivatedSince, lastUpdateTimestamp: lastUpdateTimestamp, reports: reports,
            finishedPositions: positions)
    }

    private enum Field: Int, CaseIterable {
        case botID, botName, scriptID, scriptName, accountID, priceMarket, leverage, activatedSince
        case deactivatedSince, lastUpdateTimestamp, reports, finishedPositions

        var key: StaticString {
            switch self {
            case .botID: "BotId"
            case .botName: "BotName"
            case .scriptID: "ScriptId"
            case .scriptName: "ScriptName"
            case .accountID: "AccountId"
            case .priceMarket: "PriceMarket"
            case .leverage: "Leverage"
            case .activatedSince: "ActivatedSince"
            case .deactivatedSince: "DeactivatedSince"
            case .lastUpdateTimestamp: "LastUpdateTimestamp"
            case .reports: "Reports"
            case .finishedPositions: "FinishedPositions"
            }
        }
    }

    mutating func read(_ name: JSONName, _ scanner: inout JSONScanner, _ path: inout FieldPath) throws(JSONParseError) {
        guard let field = Field.allCases.first(where: { name == $0.key }) else { return try scanner.skipValue() }
        guard seen & (1 << field.rawValue) == 0 else { throw scanner.error("duplicate member name \"\(name.string)\"") }
        seen |= 1 << field.rawValue
        path.push(.key(field.key))
        switch field {
        case .botID: botID = try scanner.optionalString()
        case .botName: botName = try scanner.optionalString()
        case .scriptID: scriptID = try scanner.optionalString()
        case .scriptName: scriptName = try scanner.optionalString()
        case .accountID: accountID = try scanner.optionalString()
        case .priceMarket: priceMarket = try scanner.optionalString()
        case .leverage: leverage = try scanner.optionalDouble()
        case .activatedSince: activatedSince = try scanner.optionalInt64()
        case .deactivatedSince: deactivatedSince = try scanner.optionalInt64()
        case .lastUpdateTimestamp: lastUpdateTimestamp = try scanner.optionalInt64()
        case .reports:
            hasReports = true
            if try !scanner.null() {
                try scanner.object { name, scanner throws(JSONParseError) in
                    guard reports[name] == nil else { throw scanner.error("duplicate member name \"\(name)\"") }
                    path.push(name)
                    reports[name] = try RuntimeReportDecoding.report(&scanner, &path)
                    path.pop()
                }
            }
        case .finishedPositions:
            if try !scanner.null() {
                try scanner.array { scanner throws(JSONParseError) in
                    path.push(.index(positions.count))
                    positions.append(try RuntimeReportDecoding.position(&scanner, &path))
                    path.pop()
                }
            }
        }
        path.pop()
    }
}

extension JSONScanner {
    mutating func optionalString() throws(JSONParseError) -> String? {
        try optional { scanner throws(JSONParseError) in try scanner.string() }
    }
    mutating func optionalDouble() throws(JSONParseError) -> Double? {
        try optional { scanner throws(JSONParseError) in try scanner.double() }
    }
    mutating func optionalInt64() throws(JSONParseError) -> Int64? {
        try optional { scanner throws(JSONParseError) in try scanner.int64() }
    }
    mutating func optionalBool() throws(JSONParseError) -> Bool? {
        try optional { scanner throws(JSONParseError) in try scanner.bool() }
    }
}
