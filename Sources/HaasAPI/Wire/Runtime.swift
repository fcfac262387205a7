/// `GET_BACKTEST_RUNTIME` (haas-api.md §3.3): the fields the ledger reads. The body itself is kept verbatim
/// by the recorder, so nothing here needs to be complete.
public struct BacktestRuntime: Sendable, Equatable, Decodable {
    /// In real samples this equals the backtest id.
    public let botID: String?
    public let botName: String?
    public let scriptID: String?
    public let scriptName: String?
    public let accountID: String?
    public let priceMarket: String?
    public let leverage: Double?
    /// The backtest's start, unix seconds.
    public let activatedSince: Int64?
    public let deactivatedSince: Int64?
    /// The backtest's end, unix seconds.
    public let lastUpdateTimestamp: Int64?
    public let reports: [String: RuntimeReport]
    public let finishedPositions: [RuntimePosition]

    enum CodingKeys: String, CodingKey {
        case botID = "BotId", botName = "BotName", scriptID = "ScriptId", scriptName = "ScriptName"
        case accountID = "AccountId", priceMarket = "PriceMarket", leverage = "Leverage"
        case activatedSince = "ActivatedSince", deactivatedSince = "DeactivatedSince"
        case lastUpdateTimestamp = "LastUpdateTimestamp", reports = "Reports", finishedPositions = "FinishedPositions"
    }

    init(
        botID: String?, botName: String?, scriptID: String?, scriptName: String?, accountID: String?,
        priceMarket: String?, leverage: Double?, activatedSince: Int64?, deactivatedSince: Int64?,
        lastUpdateTimestamp: Int64?, reports: [String: RuntimeReport], finishedPositions: [RuntimePosition]
    ) {
        self.botID = botID
        self.botName = botName
        self.scriptID = scriptID
        self.scriptName = scriptName
        self.accountID = accountID
        self.priceMarket = priceMarket
        self.leverage = leverage
        self.activatedSince = activatedSince
        self.deactivatedSince = deactivatedSince
        self.lastUpdateTimestamp = lastUpdateTimestamp
        self.reports = reports
        self.finishedPositions = finishedPositions
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        botID = try container.decodeIfPresent(String.self, forKey: .botID)
        botName = try container.decodeIfPresent(String.self, forKey: .botName)
        scriptID = try container.decodeIfPresent(String.self, forKey: .scriptID)
        scriptName = try container.decodeIfPresent(String.self, forKey: .scriptName)
        accountID = try container.decodeIfPresent(String.self, forKey: .accountID)
        priceMarket = try container.decodeIfPresent(String.self, forKey: .priceMarket)
        leverage = try container.decodeIfPresent(Double.self, forKey: .leverage)
        activatedSince = try container.decodeIfPresent(Int64.self, forKey: .activatedSince)
        deactivatedSince = try container.decodeIfPresent(Int64.self, forKey: .deactivatedSince)
        lastUpdateTimestamp = try container.decodeIfPresent(Int64.self, forKey: .lastUpdateTimestamp)
        reports = try container.decodeIfPresent([String: RuntimeReport].self, forKey: .reports) ?? [:]
        finishedPositions = try container.decodeIfPresent([RuntimePosition].self, forKey: .finishedPositions) ?? []
    }

    /// The report of the runtime's own account and market (`"{AccountId}_{PriceMarket}"`), else the only one.
    public var primaryReport: RuntimeReport? {
        if let accountID, let priceMarket, let report = reports["\(accountID)_\(priceMarket)"] { return report }
        return reports.count == 1 ? reports.first?.value : nil
    }
}

/// One account/market report. Names follow the server's generated client (GEN), not pyHaasAPI's.
public struct RuntimeReport: Sendable, Equatable, Decodable {
    public let market: String?
    public let profitLabel: String?
    public let fees: Fees?
    public let profits: Profits?
    public let positions: Positions?
    public let performance: Performance?

    enum CodingKeys: String, CodingKey {
        case market = "M", profitLabel = "PL", fees = "F", profits = "PR", positions = "P", performance = "T"
    }

    public struct Fees: Sendable, Equatable, Decodable {
        /// `TFC`, in the profit label's currency.
        public let totalFeeCosts: Double?
        public let feeCosts: Double?
        enum CodingKeys: String, CodingKey { case totalFeeCosts = "TFC", feeCosts = "FC" }
    }

    public struct Profits: Sendable, Equatable, Decodable {
        public let startPrice: Double?
        public let startBalance: Double?
        /// `PC`: the market's price change in % over the test (buy and hold), never a balance.
        public let priceChange: Double?
        public let grossProfits: Double?
        /// `RP`: realized profits, net of fees.
        public let realizedProfits: Double?
        public let unrealizedProfits: Double?
        /// `ROI` = RP / RM × 100.
        public let returnOnInvestment: Double?
        /// `RM`: the ROI margin, the amount ROI is measured against. Not a drawdown.
        public let roiMargin: Double?

        enum CodingKeys: String, CodingKey {
            case startPrice = "SP", startBalance = "SB", priceChange = "PC", grossProfits = "GP"
            case realizedProfits = "RP", unrealizedProfits = "UP", returnOnInvestment = "ROI", roiMargin = "RM"
        }
    }

    public struct Positions: Sendable, Equatable, Decodable {
        public let closed: Int?
        public let winning: Int?
        enum CodingKeys: String, CodingKey { case closed = "C", winning = "W" }
    }

    public struct Performance: Sendable, Equatable, Decodable {
        public let sharpe: Double?
        public let sortino: Double?
        public let winPercentage: Double?
        public let profitFactor: Double?
        /// `MaxDrawDown` is in GEN but absent from the 2025 samples; read when present.
        public let maxDrawDown: Double?
        enum CodingKeys: String, CodingKey {
            case sharpe = "SHR", sortino = "SOR", winPercentage = "WP", profitFactor = "PF", maxDrawDown = "MaxDrawDown"
        }
    }
}

/// A position (`FinishedPositions[]`, haas-api.md §3.3).
public struct RuntimePosition: Sendable, Equatable, Decodable {
    public let positionID: String?
    /// Long 0, Short 1.
    public let direction: Int?
    public let openedAt: Int64?
    public let closedAt: Int64?
    public let isClosed: Bool?
    public let averagePrice: Double?
    /// `fe`: fee costs of the position.
    public let fees: Double?
    /// `rp`: realized profit, net of fees.
    public let realizedProfit: Double?
    public let unrealizedProfit: Double?
    public let roi: Double?
    public let entryOrders: [RuntimeOrder]
    public let exitOrders: [RuntimeOrder]

    enum CodingKeys: String, CodingKey {
        case positionID = "g", direction = "d", openedAt = "ot", closedAt = "ct", isClosed = "ic", averagePrice = "ap"
        case fees = "fe", realizedProfit = "rp", unrealizedProfit = "up", roi, entryOrders = "eno", exitOrders = "exo"
    }

    init(
        positionID: String?, direction: Int?, openedAt: Int64?, closedAt: Int64?, isClosed: Bool?,
        averagePrice: Double?, fees: Double?, realizedProfit: Double?, unrealizedProfit: Double?, roi: Double?,
        entryOrders: [RuntimeOrder], exitOrders: [RuntimeOrder]
    ) {
        self.positionID = positionID
        self.direction = direction
        self.openedAt = openedAt
        self.closedAt = closedAt
        self.isClosed = isClosed
        self.averagePrice = averagePrice
        self.fees = fees
        self.realizedProfit = realizedProfit
        self.unrealizedProfit = unrealizedProfit
        self.roi = roi
        self.entryOrders = entryOrders
        self.exitOrders = exitOrders
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        positionID = try container.decodeIfPresent(String.self, forKey: .positionID)
        direction = try container.decodeIfPresent(Int.self, forKey: .direction)
        openedAt = try container.decodeIfPresent(Int64.self, forKey: .openedAt)
        closedAt = try container.decodeIfPresent(Int64.self, forKey: .closedAt)
        isClosed = try container.decodeIfPresent(Bool.self, forKey: .isClosed)
        averagePrice = try container.decodeIfPresent(Double.self, forKey: .averagePrice)
        fees = try container.decodeIfPresent(Double.self, forKey: .fees)
        realizedProfit = try container.decodeIfPresent(Double.self, forKey: .realizedProfit)
        unrealizedProfit = try container.decodeIfPresent(Double.self, forKey: .unrealizedProfit)
        roi = try container.decodeIfPresent(Double.self, forKey: .roi)
        entryOrders = try container.decodeIfPresent([RuntimeOrder].self, forKey: .entryOrders) ?? []
        exitOrders = try container.decodeIfPresent([RuntimeOrder].self, forKey: .exitOrders) ?? []
    }
}

/// An entry or exit order of a position.
public struct RuntimeOrder: Sendable, Equatable, Decodable {
    public let direction: Int?
    public let executionPrice: Double?
    public let amountFilled: Double?
    public let fee: Double?
    public let margin: Double?
    /// `pr`: gross profit on exit.
    public let grossProfit: Double?
    public let completedAt: Int64?

    enum CodingKeys: String, CodingKey {
        case direction = "d", executionPrice = "ep", amountFilled = "af", fee = "fe", margin = "m"
        case grossProfit = "pr", completedAt = "ct"
    }
}
