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

    /// Passing over the candidates that cannot win picks what scoring every candidate picks, to the bit.
    @Test(arguments: [3, 40, 300, 1_500])
    func passingOverCandidatesPicksTheSamePoint(told count: Int) throws {
        var random = SplitMix64(seed: UInt64(count) + 11)
        for parameter in [
            try SweepParameter(flag: "--real", text: "Stop Loss=-0.5:60.5"),
            try SweepParameter(flag: "--int", text: "Period=5:60"),
        ] {
            let values = (0..<count).map { index -> JSONValue in
                let unit = index % 4 == 0 ? random.unit() : 0.45 + 0.1 * random.unit()
                return parameter.value(line: parameter.line!.low + (parameter.line!.high - parameter.line!.low) * unit)
            }
            let split = max(1, count / 10)
            let choice = TPEChoice(parameter, below: Array(values.prefix(split)), above: Array(values.dropFirst(split)))
            for seed in 0..<40 as Range<UInt64> {
                var fast = SplitMix64(seed: seed)
                var full = fast
                #expect(choice.pick(&fast) == choice.pick(&full, passingOver: false), "\(parameter.name) seed \(seed)")
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
