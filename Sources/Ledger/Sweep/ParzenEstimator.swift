import Foundation
import JSON
import Platform

/// A mixture of Gaussians truncated to `low…high`, one per observation plus a broad prior at the centre, with
/// the bandwidths and weights of Optuna's TPE (`consider_magic_clip`, the default weights that fade the oldest
/// observations once there are more than 25).
struct ParzenEstimator {
    private var mus: [Double] = []
    private var sigmas: [Double] = []
    private var logWeights: [Double] = []
    /// Per component: its log weight less the log of its truncated Gaussian's normaliser, computed once (the
    /// density is evaluated 24 times per candidate parameter, over every told trial).
    private var logScales: [Double] = []
    private let low: Double
    private let high: Double

    /// `points` in the order they were told (oldest first).
    init(points: [Double], low: Double, high: Double) {
        self.low = low
        self.high = high
        let span = high - low
        var weights = Self.weights(points.count) + [1]
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        let centres = points + [(low + high) / 2]
        let order = centres.indices.sorted { centres[$0] < centres[$1] }
        var sigmas = Array(repeating: span, count: centres.count)
        for (rank, index) in order.enumerated() where index != centres.count - 1 {
            let left = centres[index] - (rank == 0 ? low : centres[order[rank - 1]])
            let right = (rank == order.count - 1 ? high : centres[order[rank + 1]]) - centres[index]
            sigmas[index] = max(left, right)
        }
        let smallest = span / min(100, 1 + Double(centres.count))
        self.mus = centres
        self.sigmas = sigmas.map { min(span, max(smallest, $0)) }
        self.logWeights = weights.map { Foundation.log($0) }
        self.logScales = mus.indices.map { index in
            let (mu, sigma) = (mus[index], self.sigmas[index])
            let mass = Self.cdf((high - mu) / sigma) - Self.cdf((low - mu) / sigma)
            return logWeights[index] - Foundation.log(sigma * (2 * Double.pi).squareRoot() * max(mass, 1e-12))
        }
    }

    /// Optuna's `default_weights`: equal up to 25 observations, then a ramp from 1/n for the oldest.
    static func weights(_ count: Int) -> [Double] {
        guard count >= 25 else { return Array(repeating: 1, count: count) }
        let ramp = count - 25
        let rising = (0..<ramp).map { index in
            ramp == 1
                ? 1 / Double(count) : 1 / Double(count) + (1 - 1 / Double(count)) * Double(index) / Double(ramp - 1)
        }
        return rising + Array(repeating: 1, count: 25)
    }

    func sample(_ random: inout SplitMix64) -> Double {
        var pick = random.unit()
        var component = mus.count - 1
        for (index, logWeight) in logWeights.enumerated() {
            pick -= exp(logWeight)
            if pick < 0 {
                component = index
                break
            }
        }
        // Rejection from the component's Gaussian: at least half its mass lies inside the bounds.
        for _ in 0..<64 {
            let value = mus[component] + sigmas[component] * Self.standardNormal(&random)
            if value >= low && value <= high { return value }
        }
        return min(high, max(low, mus[component]))
    }

    func logDensity(_ x: Double) -> Double {
        // log Σ exp(termᵢ), the largest term taken out first; two passes, no allocation.
        func term(_ index: Int) -> Double {
            let z = (x - mus[index]) / sigmas[index]
            return logScales[index] - 0.5 * z * z
        }
        var top = -Double.infinity
        for index in mus.indices { top = max(top, term(index)) }
        var sum = 0.0
        for index in mus.indices { sum += exp(term(index) - top) }
        return top + Foundation.log(sum)
    }

    private static func cdf(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

    /// Box–Muller.
    private static func standardNormal(_ random: inout SplitMix64) -> Double {
        let u = max(random.unit(), 1e-300)
        return (-2 * Foundation.log(u)).squareRoot() * cos(2 * Double.pi * random.unit())
    }
}

/// TPE's choice for one parameter: 24 candidates from the good trials' estimator, the one with the highest
/// ratio of good to bad likelihood.
enum TPEChoice {
    static let candidates = 24

    static func pick(
        _ parameter: SweepParameter, below: [JSONValue], above: [JSONValue], _ random: inout SplitMix64
    ) -> JSONValue {
        if case .choice(let values) = parameter.domain {
            let good = categorical(below.compactMap(parameter.choiceIndex), count: values.count)
            let bad = categorical(above.compactMap(parameter.choiceIndex), count: values.count)
            var best = (index: 0, score: -Double.infinity)
            for _ in 0..<candidates {
                var pick = random.unit()
                var index = values.count - 1
                for (candidate, weight) in good.enumerated() {
                    pick -= weight
                    if pick < 0 {
                        index = candidate
                        break
                    }
                }
                let score = Foundation.log(good[index]) - Foundation.log(bad[index])
                if score > best.score { best = (index, score) }
            }
            return values[best.index]
        }
        guard let line = parameter.line else { return .null }
        let good = ParzenEstimator(points: below.compactMap(parameter.linePoint), low: line.low, high: line.high)
        let bad = ParzenEstimator(points: above.compactMap(parameter.linePoint), low: line.low, high: line.high)
        var best = (point: (line.low + line.high) / 2, score: -Double.infinity)
        for _ in 0..<candidates {
            let point = good.sample(&random)
            let score = good.logDensity(point) - bad.logDensity(point)
            if score > best.score { best = (point, score) }
        }
        return parameter.value(line: best.point)
    }

    /// The observed shares of each choice, with a prior of one observation spread over all of them.
    private static func categorical(_ indexes: [Int], count: Int) -> [Double] {
        var weights = Array(repeating: 1 / Double(count), count: count)
        for (index, weight) in zip(indexes, ParzenEstimator.weights(indexes.count)) { weights[index] += weight }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }
}
