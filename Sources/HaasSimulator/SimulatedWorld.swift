import Foundation
import Platform

/// The labs and backtests a simulated server holds. Everything derives from the seed, so two servers with
/// the same configuration serve the same bytes, and a revision changes a known subset of results.
public struct SimulatedWorld: Sendable {
    public struct Lab: Sendable {
        public let index: Int
        public let id: String
        public let name: String
        public let scriptID: String
        public let scriptName: String
        public let market: String
        public let leverage: Double
        public let accountID: String
        public let backtests: [Backtest]
        /// Executing at start-up (completes over polls) rather than completed.
        public let startsRunning: Bool
    }

    public struct Backtest: Sendable {
        public let labIndex: Int
        public let index: Int
        public let id: String
        public let generation: Int
        public let population: Int
        /// How many revisions up to the configured one re-ran this backtest.
        public let variant: Int
    }

    public let configuration: SimulatorConfiguration
    public let labs: [Lab]
    /// Population per generation (the lab config's `MP`).
    static let populationSize = 10
    static let markets: [(tag: String, price: Double, leverage: Double)] = [
        ("BINANCE_BTC_USDT_", 61_250, 1), ("BINANCEFUTURES_UNI_USDT_PERPETUAL", 9.963, 20),
        ("BINANCE_SOL_USDC_", 136.84, 1), ("BINANCEFUTURES_ETH_USDT_PERPETUAL", 2_415.5, 10),
        ("KRAKEN_XRP_USD_", 0.5321, 1),
    ]

    public init(configuration: SimulatorConfiguration) {
        self.configuration = configuration
        var labs: [Lab] = []
        for labIndex in 0..<configuration.labs {
            var random = SplitMix64(configuration.seed, 1, UInt64(labIndex))
            let market = SimulatedWorld.markets[labIndex % SimulatedWorld.markets.count]
            let labID = random.uuid()
            let backtests = (0..<configuration.backtestsPerLab).map { index in
                var idRandom = SplitMix64(configuration.seed, 2, UInt64(labIndex), UInt64(index))
                return Backtest(
                    labIndex: labIndex, index: index, id: idRandom.uuid(),
                    generation: index / SimulatedWorld.populationSize,
                    population: index % SimulatedWorld.populationSize,
                    variant: SimulatedWorld.variant(
                        seed: configuration.seed, lab: labIndex, backtest: index,
                        revision: configuration.revision))
            }
            labs.append(
                Lab(
                    index: labIndex, id: labID, name: "Lab \(labIndex + 1) — \(market.tag)", scriptID: random.uuid(),
                    scriptName: ["ADX BB STOCH Scalper", "MadHatter Bot", "Simple RSI Reversal"][labIndex % 3],
                    market: market.tag, leverage: market.leverage, accountID: random.uuid(), backtests: backtests,
                    startsRunning: labIndex >= configuration.labs - configuration.runningLabs))
        }
        self.labs = labs
    }

    /// Revisions 2…`revision` each re-run a deterministic 20 % of the backtests.
    static func variant(seed: UInt64, lab: Int, backtest: Int, revision: Int) -> Int {
        guard revision >= 2 else { return 0 }
        return (2...revision).filter { round in
            var random = SplitMix64(seed, 3, UInt64(lab), UInt64(backtest), UInt64(round))
            return random.next() % 100 < 20
        }.count
    }

    /// The backtest ids whose results differ between two revisions of this world.
    public func changedBacktestIDs(fromRevision: Int, toRevision: Int) -> Set<String> {
        var changed = Set<String>()
        for lab in labs {
            for backtest in lab.backtests {
                let before = SimulatedWorld.variant(
                    seed: configuration.seed, lab: lab.index, backtest: backtest.index,
                    revision: fromRevision)
                let after = SimulatedWorld.variant(
                    seed: configuration.seed, lab: lab.index, backtest: backtest.index,
                    revision: toRevision)
                if before != after { changed.insert(backtest.id) }
            }
        }
        return changed
    }

    public func lab(id: String) -> Lab? { labs.first { $0.id == id } }

    /// The exact `GET_BACKTEST_RUNTIME` body this world serves for a backtest (for benchmarks and tests).
    public func runtimeBody(lab: Lab, backtest: Backtest) -> [UInt8] {
        Payloads.envelope {
            Payloads.runtime(world: self, lab: lab, backtest: backtest, userID: configuration.email, into: &$0)
        }
    }
}

/// One backtest's trades and report, computed with the server's arithmetic (haas-api.md §3.3):
/// RP = GP − fees, ROI = RP / RM × 100, PC = the market's price change, margins = amount × price / leverage.
struct SimulatedResult {
    struct Order {
        let id: String
        let time: Int64
        let direction: Int
        let price: Double
        let amount: Double
        let fee: Double
        let margin: Double
        let grossProfit: Double
        let roi: Double
        let note: String
    }

    struct Position {
        let guid: String
        let id: String
        let direction: Int
        let openedAt: Int64
        let closedAt: Int64
        let entry: Order
        let exit: Order
        var fees: Double { entry.fee + exit.fee }
        var realizedProfit: Double { exit.grossProfit - fees }
        var roi: Double { (realizedProfit / entry.margin * 100 * 10_000).rounded() / 10_000 }
    }

    /// Which way the strategy may trade (spot markets trade long only unless told otherwise).
    enum Sides: String, Sendable {
        case long, short, both
    }

    let start: Int64
    let end: Int64
    let startPrice: Double
    let endPrice: Double
    let startBalance: Double
    let positions: [Position]

    static let feeRate = 0.0005
    static let baseStart: Int64 = 1_756_245_600

    init(world: SimulatedWorld, lab: SimulatedWorld.Lab, backtest: SimulatedWorld.Backtest) {
        let configuration = world.configuration
        var random = SplitMix64(
            configuration.seed, 4, UInt64(lab.index), UInt64(backtest.index), UInt64(backtest.variant))
        let days = Int64(30 + random.next() % 60)
        let start = SimulatedResult.baseStart - Int64(lab.index) * 86_400 * 7
        self.init(
            random: random, basePrice: SimulatedWorld.markets[lab.index % SimulatedWorld.markets.count].price,
            leverage: lab.leverage, start: start, end: start + days * 86_400,
            positions: configuration.positionsPerBacktest)
    }

    /// The trades of one run. `edge` (the drift in the strategy's favour per trade) and `count` replace the
    /// random ones where a caller derives them from the parameters; the draws are made either way, so a lab's
    /// results stay what they were.
    init(
        random: SplitMix64, basePrice: Double, leverage: Double, start: Int64, end: Int64,
        positions range: ClosedRange<Int>, count fixedCount: Int? = nil, edge fixedEdge: Double? = nil,
        sides: Sides = .both, margin: Double = 930
    ) {
        var random = random
        self.start = start
        self.end = end
        startPrice = basePrice
        startBalance = (10_000 * (0.5 + random.unit()) * 1_000).rounded() / 1_000
        let drawnCount = range.lowerBound + Int(random.next() % UInt64(range.count))
        let count = fixedCount ?? drawnCount
        let segment = (end - start) / Int64(max(1, count))
        var price = basePrice
        var positions: [Position] = []
        let volatility = 0.004 + 0.01 * random.unit()
        let drawnEdge = (random.unit() - 0.45) * 0.01  // this backtest's parameters are a little good or bad
        let edge = fixedEdge ?? drawnEdge
        for index in 0..<count {
            let opened = start + Int64(index) * segment + Int64(random.next() % UInt64(max(1, segment / 4)))
            let closed = opened + max(60, Int64(random.next() % UInt64(max(61, segment / 2))))
            let entryPrice = SimulatedResult.tick(price * (1 + volatility * (random.unit() - 0.5)), basePrice)
            let long =
                switch sides {
                case .long: true
                case .short: false
                case .both: leverage == 1 || random.next() % 3 != 0
                }
            let move = volatility * 3 * (random.unit() - 0.5) + (long ? edge : -edge)
            let exitPrice = SimulatedResult.tick(entryPrice * (1 + move), basePrice)
            price = exitPrice
            // Whole units for cheap coins, 4 decimals for expensive ones (as exchanges' lot sizes do).
            let lot = entryPrice > 50 ? 10_000.0 : 1.0
            let amount = (margin * leverage / entryPrice * lot).rounded(.down) / lot
            let entryNotional = amount * entryPrice
            let exitNotional = amount * exitPrice
            let gross = (long ? exitPrice - entryPrice : entryPrice - exitPrice) * amount
            let entryMargin = entryNotional / leverage
            let entry = Order(
                id: SimulatedResult.hex(&random), time: opened, direction: long ? 2 : 4, price: entryPrice,
                amount: amount,
                fee: entryNotional * SimulatedResult.feeRate, margin: entryMargin, grossProfit: 0, roi: 0,
                note: long ? "LE" : "SE")
            let exit = Order(
                id: SimulatedResult.hex(&random), time: closed, direction: long ? 3 : 5, price: exitPrice,
                amount: amount,
                fee: exitNotional * SimulatedResult.feeRate, margin: exitNotional / leverage, grossProfit: gross,
                roi: (gross / entryMargin * 100 * 10_000).rounded() / 10_000, note: gross >= 0 ? "TP" : "SL")
            positions.append(
                Position(
                    guid: random.uuid(), id: random.uuid(), direction: long ? 0 : 1, openedAt: opened, closedAt: closed,
                    entry: entry, exit: exit))
        }
        self.positions = positions
        endPrice = SimulatedResult.tick(price * (1 + volatility * (random.unit() - 0.5)), basePrice)
    }

    /// Prices keep the market's precision (5 significant digits around the base price).
    static func tick(_ value: Double, _ base: Double) -> Double {
        let step = pow(10, floor(log10(base)) - 4)
        return (value / step).rounded() * step
    }

    static func hex(_ random: inout SplitMix64) -> String {
        random.hex32()
    }

    var grossProfits: Double { positions.reduce(0) { $0 + $1.exit.grossProfit } }
    var totalFees: Double { positions.reduce(0) { $0 + $1.fees } }
    /// RP = GP − fees, summed per position so it equals Σ rp.
    var realizedProfits: Double { positions.reduce(0) { $0 + $1.realizedProfit } }
    /// RM: the margin ROI is measured against, the largest entry margin.
    var roiMargin: Double { positions.map(\.entry.margin).max() ?? 0 }
    var roi: Double { roiMargin == 0 ? 0 : (realizedProfits / roiMargin * 100 * 10_000).rounded() / 10_000 }
    var priceChange: Double { ((endPrice - startPrice) / startPrice * 100 * 10_000).rounded() / 10_000 }
    var winners: [Position] { positions.filter { $0.realizedProfit > 0 } }
    var losers: [Position] { positions.filter { $0.realizedProfit <= 0 } }
}
