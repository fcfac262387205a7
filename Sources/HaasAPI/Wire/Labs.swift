import JSON

/// A lab as `GET_LABS` lists it and `GET_LAB_DETAILS` describes it (haas-api.md §2.1, §3.2).
public struct LabRecord: Sendable, Equatable, Decodable {
    public let labID: String
    public let scriptID: String?
    public let name: String?
    /// `T`: the lab's type (its search algorithm; the numbers are unverified).
    public let algorithm: Int?
    /// Created 0, Queued 1, Running 2, Completed 3, Cancelled 4.
    public let status: Int?
    public let scheduledBacktests: Int?
    public let completedBacktests: Int?
    public let createdAt: Int64?
    public let updatedAt: Int64?
    public let startedAt: Int64?
    public let runningSince: Int64?
    public let startUnix: Int64?
    public let endUnix: Int64?
    public let cancelReason: JSONValue?
    /// `GET_LAB_DETAILS` only: parameters `P`, config `C` and settings `ST`, kept as sent.
    public let parameters: JSONValue?
    public let config: JSONValue?
    public let settings: JSONValue?

    enum CodingKeys: String, CodingKey {
        case labID = "LID", scriptID = "SID", name = "N", algorithm = "T", status = "S", scheduledBacktests = "SB"
        case completedBacktests = "CB", createdAt = "CA", updatedAt = "UA", startedAt = "SA", runningSince = "RS"
        case startUnix = "SU", endUnix = "EU", cancelReason = "CM", parameters = "P", config = "C", settings = "ST"
    }
}

/// `GET_LAB_EXECUTION_UPDATE`. The reference marks its fields unverified, so only the ones that look like
/// the V1 model are read, and the whole payload is kept as `raw`.
public struct LabExecutionUpdate: Sendable, Equatable, Decodable {
    public let status: Int?
    public let progress: Double?
    public let completedBacktests: Int?
    public let scheduledBacktests: Int?
    public let raw: JSONValue

    public init(from decoder: any Decoder) throws {
        let raw = try JSONValue(from: decoder)
        self.raw = raw
        status = raw["S"]?.numberValue?.int64Value.map { Int($0) }
        progress = raw["P"]?.numberValue?.doubleValue
        completedBacktests = raw["CB"]?.numberValue?.int64Value.map { Int($0) }
        scheduledBacktests = raw["SB"]?.numberValue?.int64Value.map { Int($0) }
    }

    /// Completed 3 or Cancelled 4: nothing more will change.
    public var isFinished: Bool { status == 3 || status == 4 }
}

/// `GET_HISTORY_STATUS`: market tag → sync status (haas-api.md §2.7; Status 3 = synched).
public struct HistoryStatusEntry: Sendable, Equatable, Decodable {
    public let market: String
    public let maxMonths: Int?
    public let status: Int?

    enum CodingKeys: String, CodingKey {
        case market = "Market", maxMonths = "MaxMonths", status = "Status"
    }
}

/// What the second login step returns (`Data.D`); only the user id is needed.
struct LoginResult: Decodable {
    struct Details: Decodable {
        let userID: String
        enum CodingKeys: String, CodingKey { case userID = "UserId" }
    }
    let details: Details
    enum CodingKeys: String, CodingKey { case details = "D" }
}
