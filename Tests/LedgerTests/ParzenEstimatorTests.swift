import Foundation
import JSON
import Platform
import Testing

@testable import Ledger

/// TPE's densities (issue 13): the eight-lane `exp` and the estimator's log density against libm, term by term.
@Suite struct ParzenEstimatorTests {
    @Test func vectorExpIsWithinAFewUlpOfLibm() {
        var worst = 0.0
        var x = -708.0
        while x <= 0 {
            let lanes = VectorExp.Lanes((0..<8).map { x + Double($0) * 1e-3 })
            let fast = VectorExp.exp(lanes)
            for lane in 0..<8 {
                let exact = Foundation.exp(lanes[lane])
                worst = max(worst, abs(fast[lane] - exact) / exact.ulp)
            }
            x += 0.37
        }
        #expect(worst <= 4, "worst error \(worst) ulp")
        #expect(VectorExp.exp(VectorExp.Lanes(repeating: 0)) == VectorExp.Lanes(repeating: 1))
        #expect(VectorExp.exp(VectorExp.Lanes(repeating: -709)) == VectorExp.Lanes(repeating: 0))
        #expect(VectorExp.exp(VectorExp.Lanes(repeating: -.infinity)) == VectorExp.Lanes(repeating: 0))
    }

    /// The ranked candidates are the 24 draws from the good model, scored in full against both models,
    /// distinct values best first.
    @Test(arguments: [3, 40, 300, 1_500])
    func rankedCandidatesAreTheDrawsByTheirScores(told count: Int) throws {
        var random = SplitMix64(seed: UInt64(count) + 11)
        for parameter in [
            try SweepParameter(flag: "--real", text: "Stop Loss=-0.5:60.5"),
            try SweepParameter(flag: "--int", text: "Period=5:60"),
        ] {
            let line = try #require(parameter.line)
            let values = (0..<count).map { index -> JSONValue in
                let unit = index % 4 == 0 ? random.unit() : 0.45 + 0.1 * random.unit()
                return parameter.value(line: line.low + (line.high - line.low) * unit)
            }
            let split = max(1, count / 10)
            let (below, above) = (Array(values.prefix(split)), Array(values.dropFirst(split)))
            let choice = TPEChoice(
                parameter, below: below.compactMap(parameter.coordinate), above: above.compactMap(parameter.coordinate))
            let good = ParzenEstimator(points: below.compactMap(parameter.linePoint), low: line.low, high: line.high)
            let bad = ParzenEstimator(points: above.compactMap(parameter.linePoint), low: line.low, high: line.high)
            for seed in 0..<40 as Range<UInt64> {
                var stream = SplitMix64(seed: seed)
                let ranked = choice.ranked(&stream)
                stream = SplitMix64(seed: seed)
                var expected: [(value: JSONValue, score: Double)] = []
                for _ in 0..<TPEChoice.candidates {
                    let point = good.sample(&stream)
                    let (value, score) = (parameter.value(line: point), good.logDensity(point) - bad.logDensity(point))
                    if let place = expected.firstIndex(where: { $0.value == value }) {
                        expected[place].score = max(expected[place].score, score)
                    } else {
                        expected.append((value, score))
                    }
                }
                #expect(ranked.map(\.value).count == expected.count, "\(parameter.name) seed \(seed)")
                #expect(Set(ranked.map(\.score)) == Set(expected.map(\.score)), "\(parameter.name) seed \(seed)")
                #expect(zip(ranked, ranked.dropFirst()).allSatisfy { $0.score >= $1.score })
                #expect(ranked.first?.score == expected.map(\.score).max())
            }
        }
    }

    /// When the best of each parameter together were asked, the next best sum of scores is taken.
    @Test func aRepeatedBestGivesWayToTheNextBestCombination() throws {
        func number(_ value: Int) -> JSONValue { .number(JSONNumber(Int64(value))) }
        func point(_ period: Int, _ stop: Int) -> [(key: String, value: JSONValue)] {
            [("Period", number(period)), ("Stop", number(stop))]
        }
        func key(_ period: Int, _ stop: Int) -> String { CanonicalJSON.string(.object(point(period, stop))) }
        let lists: [[(value: JSONValue, score: Double)]] = [
            [(number(10), 3), (number(11), 1)],
            [(number(1), 2), (number(2), 1.5), (number(3), -.infinity)],
        ]
        func best(_ asked: Set<String>) -> String? {
            SweepSampler.bestUnasked(lists, names: ["Period", "Stop"], asked: asked).map {
                CanonicalJSON.string(.object($0))
            }
        }
        #expect(best([]) == key(10, 1))
        #expect(best([key(10, 1)]) == key(10, 2))
        #expect(best([key(10, 1), key(10, 2)]) == key(11, 1))
        #expect(best([key(10, 1), key(10, 2), key(11, 1), key(11, 2)]) == key(10, 3))
        let all = Set([10, 11].flatMap { period in [1, 2, 3].map { key(period, $0) } })
        #expect(best(all) == nil)
        // The space's order need not be the canonical order of the names.
        let reversed = SweepSampler.bestUnasked(
            Array(lists.reversed()), names: ["Stop", "Period"], asked: [key(10, 1), key(10, 2)])
        #expect(reversed.map { CanonicalJSON.string(.object($0)) } == key(11, 1))
    }

    /// The distribution function's shortcuts give what `erfc` gives, to the bit.
    @Test func theSaturatedDistributionFunctionIsErfcExactly() {
        for step in 0...200_000 {
            for z in [
                9 + Double(step) * 1e-3, -40 - Double(step) * 1e-3, 9 + Double(step) * 7.3, -40 - Double(step) * 7.3,
            ] {
                #expect(ParzenEstimator.cdf(z) == 0.5 * erfc(-z / 2.0.squareRoot()), "z = \(z)")
            }
        }
    }

    @Test(arguments: [0, 1, 7, 8, 9, 500])
    func logDensityMatchesTheMixtureSummedDirectly(points count: Int) {
        var random = SplitMix64(seed: UInt64(count))
        let (low, high) = (-0.5, 60.5)
        // Clustered, as told trials are once TPE has found a good region, plus a few anywhere.
        let points = (0..<count).map { index in
            index % 5 == 0 ? low + (high - low) * random.unit() : 30 + 4 * (random.unit() - 0.5)
        }
        let estimator = ParzenEstimator(points: points, low: low, high: high)
        for x in stride(from: low, through: high, by: 0.73) {
            let direct = Foundation.log(
                estimator.components.reduce(0.0) { (sum: Double, component) -> Double in
                    let z = (x - component.mu) / component.sigma
                    return sum + Foundation.exp(component.logScale - 0.5 * z * z)
                })
            let fast = estimator.logDensity(x)
            #expect(abs(fast - direct) <= 1e-12 * max(1, abs(direct)), "x = \(x): \(fast) against \(direct)")
        }
    }
}
