import Foundation
import Platform

/// What a direct backtest on the simulator yields: a deterministic function of the script, its parameters,
/// the market, the period and the seed. Each script has one optimum in its inputs' space; the closer the
/// parameters, the larger the strategy's edge per trade, plus a little noise per parameter set. That gives
/// parameter search something real to find, and the same request always gives the same bytes.
public struct DirectRun: Sendable, Equatable {
    public var scriptID: String
    /// Input name → value; inputs left out take their defaults.
    public var parameters: [String: Double]
    public var market: String
    public var accountID: String
    public var leverage: Double
    public var start: Int64
    public var end: Int64
    public var sides: String
    public var tradeAmount: Double
    public var interval: Int
}

extension SimulatedWorld {
    /// The markets' exchanges, each with one account usable for backtests (`GET_BACKTEST_ACCOUNTS`).
    public var accounts: [(id: String, name: String, exchange: String)] {
        [("BINANCE", "Binance"), ("BINANCEFUTURES", "Binance Futures"), ("KRAKEN", "Kraken")].enumerated().map {
            index, exchange in
            var random = SplitMix64(configuration.seed, 13, UInt64(index))
            return (random.uuid(), "\(exchange.1) (simulated)", exchange.0)
        }
    }

    public static var marketTags: [String] { markets.map(\.tag) }

    /// Where each of the script's inputs pays best (inside its range, away from the edges).
    public func optimum(of script: Script) -> [String: Double] {
        var random = SplitMix64(configuration.seed, 14, StableHash.of(script.id))
        var optimum: [String: Double] = [:]
        for input in script.inputs {
            let span = input.maximum - input.minimum
            let raw = input.minimum + span * (0.2 + 0.6 * random.unit())
            optimum[input.name] = (raw / input.step).rounded() * input.step
        }
        return optimum
    }

    /// The edge per trade for a parameter set: up to 0.4 % at the optimum, falling off as a Gaussian of the
    /// distance (each input measured in quarters of its range), below zero far from it; ±0.03 % noise.
    func edge(script: Script, run: DirectRun) -> Double {
        let optimum = optimum(of: script)
        var distance = 0.0
        for input in script.inputs {
            let value = run.parameters[input.name] ?? input.defaultValue
            let scale = (input.maximum - input.minimum) / 4
            distance += pow((value - (optimum[input.name] ?? value)) / scale, 2)
        }
        var noise = SplitMix64(configuration.seed, 15, StableHash.of(script.id), run.parametersHash)
        return 0.0055 * exp(-distance) - 0.0015 + (noise.unit() - 0.5) * 0.0006
    }

    /// The trades of a direct run. Shorter periods trade more often.
    func result(script: Script, run: DirectRun) -> SimulatedResult {
        let market = SimulatedWorld.markets.first { $0.tag == run.market } ?? SimulatedWorld.markets[0]
        let period = run.parameters["Period"] ?? script.inputs.first { $0.name == "Period" }?.defaultValue ?? 20
        let range = configuration.positionsPerBacktest
        let count = min(range.upperBound, max(range.lowerBound, 6 + Int(300 / max(1, period))))
        let random = SplitMix64(
            configuration.seed, 16, StableHash.of(script.id), StableHash.of(run.market), UInt64(bitPattern: run.start),
            UInt64(bitPattern: run.end), run.parametersHash)
        return SimulatedResult(
            random: random, basePrice: market.price, leverage: run.leverage, start: run.start, end: run.end,
            positions: range, count: count, edge: edge(script: script, run: run),
            sides: SimulatedResult.Sides(rawValue: run.sides) ?? .both, margin: run.tradeAmount)
    }
}

extension DirectRun {
    /// The parameters as one number, independent of their order.
    var parametersHash: UInt64 {
        parameters.sorted { $0.key < $1.key }.reduce(StableHash.offset) { hash, item in
            StableHash.of("\(item.key)=\(item.value)", from: hash)
        }
    }
}

/// FNV-1a: a string hash that, unlike `Hasher`, is the same in every process.
enum StableHash {
    static let offset: UInt64 = 0xcbf2_9ce4_8422_2325

    static func of(_ text: String, from start: UInt64 = offset) -> UInt64 {
        text.utf8.reduce(start) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
