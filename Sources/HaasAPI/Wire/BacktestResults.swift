import JSON

/// One page of `GET_BACKTEST_RESULT_PAGE`: items `I` and the next page id `NP`.
public struct BacktestResultPage: Sendable, Equatable, Decodable {
    public let items: [BacktestResultRecord]
    public let nextPageID: Int?

    enum CodingKeys: String, CodingKey {
        case items = "I", nextPageID = "NP"
    }
}

/// A lab's result record (haas-api.md §3.1). Inside a record `NP` is the population index.
public struct BacktestResultRecord: Sendable, Equatable, Decodable {
    public let recordID: Int64?
    public let labID: String?
    public let backtestID: String
    public let generation: Int?
    public let population: Int?
    /// Queued 0, Executing 1, Cancelled 2, Done 3.
    public let status: Int?
    public let settings: JSONValue?
    public let parameters: JSONValue?
    public let summary: BacktestSummary?

    enum CodingKeys: String, CodingKey {
        case recordID = "RID", labID = "LID", backtestID = "BID", generation = "NG", population = "NP"
        case status = "ST", settings = "SE", parameters = "P", summary = "S"
    }
}

/// The result summary `S`. The reference finds both long names (`ReturnOnInvestment`, …) and short keys
/// (`ROI`, `RP`, `FC`, `T`, `P`) on the wire, with values that may be numbers, per-currency objects or lists,
/// so each is kept as sent under its long name, and `raw` keeps the whole object.
public struct BacktestSummary: Sendable, Equatable, Decodable {
    public let orders: JSONValue?
    public let trades: JSONValue?
    public let positions: JSONValue?
    public let feeCosts: JSONValue?
    public let realizedProfits: JSONValue?
    public let returnOnInvestment: JSONValue?
    public let raw: JSONValue

    public init(from decoder: any Decoder) throws {
        let raw = try JSONValue(from: decoder)
        self.raw = raw
        orders = raw["Orders"] ?? raw["O"]
        trades = raw["Trades"] ?? raw["T"]
        positions = raw["Positions"] ?? raw["P"]
        feeCosts = raw["FeeCosts"] ?? raw["FC"]
        realizedProfits = raw["RealizedProfits"] ?? raw["RP"]
        returnOnInvestment = raw["ReturnOnInvestment"] ?? raw["ROI"]
    }
}
