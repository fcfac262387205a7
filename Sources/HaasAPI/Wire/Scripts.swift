import JSON

/// A HaasScript as `GET_ALL_SCRIPT_ITEMS` lists it and `GET_SCRIPT_RECORD` describes it (haas-api.md §2.4).
/// `GET_SCRIPT_RECORD` adds the source (`SC`) and the compile result (`CR`, kept as sent: its fields are
/// unverified).
public struct ScriptRecord: Sendable, Equatable, Decodable {
    public let scriptID: String
    public let name: String?
    public let description: String?
    /// Lua 0, Visual 1, TradeBot 2.
    public let type: Int?
    public let status: Int?
    public let category: String?
    public let compiled: Bool?
    public let valid: Bool?
    public let createdAt: Int64?
    public let updatedAt: Int64?
    public let folderID: Int64?
    /// `GET_SCRIPT_RECORD` only.
    public let source: String?
    public let compileResult: JSONValue?

    enum CodingKeys: String, CodingKey {
        case scriptID = "SID", name = "SN", description = "SD", type = "ST", status = "SS", category = "CN"
        case compiled = "IC", valid = "IV", createdAt = "CU", updatedAt = "UU", folderID = "FID", source = "SC"
        case compileResult = "CR"
    }

    /// The script type's name.
    public var typeName: String {
        switch type {
        case 0: "Lua"
        case 1: "Visual"
        case 2: "TradeBot"
        case let other?: "type \(other)"
        case nil: "unknown"
        }
    }
}

extension ScriptRecord: WireReply {}
