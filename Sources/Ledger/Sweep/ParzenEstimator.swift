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
    /// Per component: its log weight less the log of its truncated Gaussian's normaliser.
    private var logScales: [Double] = []
    /// The components eight at a time for `logDensity`, in order of their centres: centre, 1/σ and log scale
    /// (computed once: the density is evaluated 24 times per candidate parameter, over every told trial). Lanes
    /// past the last component have a log scale of −∞.
    private var laneMus: [VectorExp.Lanes] = []
    private var laneInverseSigmas: [VectorExp.Lanes] = []
    private var laneLogScales: [VectorExp.Lanes] = []
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
        // By centre, so that the components near a point share lanes and the far ones, whose terms are too
        // small to count, fill whole lanes that `logDensity` skips.
        func lanes(_ values: [Double], padding: Double) -> [VectorExp.Lanes] {
            stride(from: 0, to: order.count, by: 8).map { start in
                var lane = VectorExp.Lanes(repeating: padding)
                for offset in 0..<min(8, order.count - start) { lane[offset] = values[order[start + offset]] }
                return lane
            }
        }
        laneMus = lanes(mus, padding: 0)
        laneInverseSigmas = lanes(self.sigmas.map { 1 / $0 }, padding: 0)
        laneLogScales = lanes(logScales, padding: -.infinity)
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

    /// Each component's centre, bandwidth and log scale, one by one (what `logDensity` sums).
    var components: [(mu: Double, sigma: Double, logScale: Double)] {
        mus.indices.map { index in (mus[index], sigmas[index], logScales[index]) }
    }

    /// log Σ exp(termᵢ) over the components, the largest term taken out first, eight lanes at a time. Lanes
    /// whose terms all lie more than 50 below the largest are left out: each adds under e⁻⁵⁰ ≈ 2·10⁻²² to a
    /// sum of at least 1.
    func logDensity(_ x: Double) -> Double {
        laneMus.withUnsafeBufferPointer { mus in
            laneInverseSigmas.withUnsafeBufferPointer { inverseSigmas in
                laneLogScales.withUnsafeBufferPointer { logScales in
                    withUnsafeTemporaryAllocation(of: VectorExp.Lanes.self, capacity: mus.count) { terms in
                        let point = VectorExp.Lanes(repeating: x)
                        var top = VectorExp.Lanes(repeating: -.infinity)
                        for index in 0..<mus.count {
                            let z = (point - mus[index]) * inverseSigmas[index]
                            let term = logScales[index] - 0.5 * z * z
                            terms[index] = term
                            top.replace(with: term, where: term .> top)
                        }
                        let peak = top.max()
                        let shift = VectorExp.Lanes(repeating: peak)
                        let negligible = VectorExp.Lanes(repeating: peak - 50)
                        var sum = VectorExp.Lanes(repeating: 0)
                        for index in 0..<mus.count where any(terms[index] .> negligible) {
                            sum += VectorExp.exp(terms[index] - shift)
                        }
                        return peak + Foundation.log(sum.sum())
                    }
                }
            }
        }
    }

    /// The standard normal's distribution function. Beyond ±9 and −40 it is what `erfc` gives exactly (it
    /// rounds to 2 below −6 and underflows to 0 above 28), without the call: most components lie that far
    /// inside both bounds.
    static func cdf(_ z: Double) -> Double {
        if z >= 9 { return 1 }
        if z <= -40 { return 0 }
        return 0.5 * erfc(-z / 2.0.squareRoot())
    }

    /// Box–Muller.
    private static func standardNormal(_ random: inout SplitMix64) -> Double {
        let u = max(random.unit(), 1e-300)
        return (-2 * Foundation.log(u)).squareRoot() * cos(2 * Double.pi * random.unit())
    }
}

/// TPE's model of one parameter for one ask: built once from the good and the other trials' values, then
/// asked for its ranked candidates by each attempt (each with its random stream of its own).
struct TPEChoice {
    static let candidates = 24

    private enum Model {
        case choices(values: [JSONValue], good: [Double], bad: [Double])
        case line(SweepParameter, good: ParzenEstimator, bad: ParzenEstimator, centre: Double)
        case none
    }

    private let model: Model

    /// `below` and `above`: the good and the other trials' coordinates (`SweepParameter.coordinate`).
    init(_ parameter: SweepParameter, below: [Double], above: [Double]) {
        if case .choice(let values) = parameter.domain {
            model = .choices(
                values: values, good: Self.categorical(below.map { Int($0) }, count: values.count),
                bad: Self.categorical(above.map { Int($0) }, count: values.count))
        } else if let line = parameter.line {
            model = .line(
                parameter, good: ParzenEstimator(points: below, low: line.low, high: line.high),
                bad: ParzenEstimator(points: above, low: line.low, high: line.high), centre: (line.low + line.high) / 2)
        } else {
            model = .none
        }
    }

    /// The distinct values of 24 candidates drawn from the good trials' model, best first, each scored by the
    /// log of its ratio of good to bad likelihood: Optuna's pick is the first, and the others are what an ask
    /// turns to when the best of every parameter together make a point already asked. A value two candidates
    /// share keeps the better score; equal scores go in the order drawn. A candidate whose score is not above
    /// −∞ is never among them (with none left, the first choice or the line's centre).
    func ranked(_ random: inout SplitMix64) -> [(value: JSONValue, score: Double)] {
        var scored: [(value: JSONValue, score: Double)] = []
        func add(_ position: Double, _ score: Double) {
            guard score > -.infinity else { return }
            let value = value(at: position)
            if let place = scored.firstIndex(where: { $0.value == value }) {
                scored[place].score = max(scored[place].score, score)
            } else {
                scored.append((value, score))
            }
        }
        switch model {
        case .choices(let values, let good, let bad):
            for _ in 0..<Self.candidates {
                var pick = random.unit()
                var index = values.count - 1
                for (candidate, weight) in good.enumerated() {
                    pick -= weight
                    if pick < 0 {
                        index = candidate
                        break
                    }
                }
                add(Double(index), Foundation.log(good[index]) - Foundation.log(bad[index]))
            }
        case .line(_, let good, let bad, _):
            for _ in 0..<Self.candidates {
                let point = good.sample(&random)
                add(point, good.logDensity(point) - bad.logDensity(point))
            }
        case .none:
            break
        }
        guard !scored.isEmpty else { return [(value(at: nil), -.infinity)] }
        return scored.enumerated().sorted { ($0.element.score, -$0.offset) > ($1.element.score, -$1.offset) }.map(
            \.element)
    }

    /// The value at a candidate's position; with none, the first choice or the line's centre.
    private func value(at position: Double?) -> JSONValue {
        switch model {
        case .choices(let values, _, _): values[position.map { Int($0) } ?? 0]
        case .line(let parameter, _, _, let centre): parameter.value(line: position ?? centre)
        case .none: .null
        }
    }

    /// The observed shares of each choice, with a prior of one observation spread over all of them.
    private static func categorical(_ indexes: [Int], count: Int) -> [Double] {
        var weights = Array(repeating: 1 / Double(count), count: count)
        for (index, weight) in zip(indexes, ParzenEstimator.weights(indexes.count)) { weights[index] += weight }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }
}
