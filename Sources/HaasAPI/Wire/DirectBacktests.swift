import JSON

/// A direct backtest as `GET_BACKTEST_INFO` describes it. The long names are GEN's `HaasScriptBacktestRecord`
/// (haas-api.md §3.6); `Status` and `Progress` are unverified (the simulator's names, read with the lab status
/// numbers), so the whole record is kept as sent. Once completed, `Runtime` holds the runtime: its bytes are
/// kept exactly as they lie in the body, so they can be stored and decoded like a fetched runtime.
public struct BacktestInfo: Sendable {
    public let backtestID: String?
    /// Queued 1, running 2, completed 3, cancelled 4 (lab numbers, haas-api.md §2.1).
    public let status: Int?
    /// Percent done.
    public let progress: Double?
    public let scriptID: String?
    public let market: String?
    public let tag: String?
    public let archived: Bool?
    /// The record as sent, without its runtime.
    public let record: JSONValue
    /// The `Runtime` member's bytes in the body, when it is an object.
    public let runtimeBytes: [UInt8]?

    public enum Phase: String, Sendable {
        case queued, running, completed, cancelled, unknown
    }

    public var phase: Phase {
        switch status {
        case 0, 1: .queued
        case 2: .running
        case 3: .completed
        case 4: .cancelled
        default: .unknown
        }
    }

    /// The runtime, decoded, or why there is none.
    public func runtime() throws(RuntimeDecodingError) -> BacktestRuntime {
        guard let runtimeBytes else {
            throw RuntimeDecodingError(
                path: "Data.Runtime", underlying: JSONParseError(offset: 0, reason: "is missing or null"))
        }
        return try RuntimeDecoder.runtime(runtimeBytes)
    }
}

extension BacktestInfo: WireReply {
    /// One pass over the body: the record's members as a tree, the runtime as a byte range.
    static func fromEnvelope(_ body: [UInt8]) throws(EnvelopeProblem) -> (EnvelopeHeader, BacktestInfo?) {
        do {
            return try body.withUnsafeBufferPointer { buffer throws(JSONParseError) in
                var scanner = JSONScanner(buffer)
                var success: Bool?
                var error: String?
                var members: [(key: String, value: JSONValue)]?
                var runtime: [UInt8]?
                try scanner.objectMembers { name, scanner throws(JSONParseError) in
                    switch name.string {
                    case "Success": success = try scanner.bool()
                    case "Error": error = try scanner.optional { s throws(JSONParseError) in try s.string() }
                    case "Data":
                        guard try !scanner.null() else { return }
                        var record: [(key: String, value: JSONValue)] = []
                        try scanner.objectMembers { name, scanner throws(JSONParseError) in
                            let key = name.string
                            guard key == "Runtime" else {
                                record.append((key, try JSONParser.value(&scanner)))
                                return
                            }
                            scanner.skipWhitespace()
                            let start = scanner.index
                            if scanner.peek() == UInt8(ascii: "{") {
                                try scanner.skipValue()
                                runtime = Array(buffer[start..<scanner.index])
                            } else {
                                try scanner.skipValue()
                            }
                        }
                        members = record
                    default: try scanner.skipValue()
                    }
                }
                try scanner.expectEnd()
                guard let success else { throw scanner.error("no Success member") }
                let header = EnvelopeHeader(success: success, error: error)
                guard success, let members else { return (header, nil) }
                let record = JSONValue.object(members)
                return (
                    header,
                    BacktestInfo(
                        backtestID: record["BacktestId"]?.stringValue,
                        status: record["Status"]?.numberValue?.int64Value.map(Int.init),
                        progress: record["Progress"]?.numberValue?.doubleValue,
                        scriptID: record["ScriptId"]?.stringValue, market: record["MarketTag"]?.stringValue,
                        tag: record["BacktestTag"]?.stringValue,
                        archived: { if case .bool(let flag)? = record["IsArchived"] { flag } else { nil } }(),
                        record: record, runtimeBytes: runtime)
                )
            }
        } catch {
            throw .notAnEnvelope
        }
    }
}

/// An account the server offers for backtests (`GET_BACKTEST_ACCOUNTS`); the item's names are unverified.
public struct BacktestAccount: Sendable, Equatable, Decodable {
    public let accountID: String
    public let name: String?
    public let exchange: String?

    enum CodingKeys: String, CodingKey {
        case accountID = "AID", name = "N", exchange = "EC"
    }
}

/// One page of `GET_BACKTEST_HISTORY` (paged like result pages, haas-api.md §2.2); items kept as sent.
public struct BacktestHistoryPage: Sendable, Decodable {
    public let items: [JSONValue]
    public let nextPageID: Int?

    enum CodingKeys: String, CodingKey {
        case items = "I", nextPageID = "NP"
    }
}

extension BacktestAccount: WireReply {}
extension BacktestHistoryPage: WireReply {}
extension String: WireReply {}
extension Bool: WireReply {}
