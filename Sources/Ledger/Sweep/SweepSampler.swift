import Foundation
import JSON
import Platform

/// A trial as the samplers see it: the parameters it ran with and what it was told.
struct ToldTrial: Sendable {
    enum Verdict: Sendable, Equatable {
        /// Within every constraint, with the objective as a score where higher is better.
        case complete(Double)
        /// Broke a constraint; its score, when the objective was defined.
        case infeasible(Double?)
        /// No objective to learn from (failed, cancelled, undefined).
        case unusable
    }

    let number: Int
    let parameters: JSONValue
    let verdict: Verdict
}

/// Picks each trial's parameters. Deterministic: trial n's parameters depend only on the seed, n and the
/// trials it is given, so a resumed sweep asks exactly what an uninterrupted one would have.
struct SweepSampler: Sendable {
    let definition: SweepDefinition

    /// The parameters of trial `number` (in the space's order) and how they were chosen. `asked` holds the
    /// parameters of every trial before it (canonical JSON), which TPE avoids repeating where it can.
    func ask(_ number: Int, told: [ToldTrial], asked: Set<String> = [])
        -> (parameters: [(key: String, value: JSONValue)], method: String)
    {
        switch definition.sampler {
        case .grid: return (gridPoint(number), "grid")
        case .random: return (randomPoint(number), "random")
        case .tpe:
            let usable = told.filter { $0.verdict != .unusable }
            guard usable.count >= definition.startupTrials, let point = tpePoint(number, told: usable, asked: asked)
            else {
                return (randomPoint(number), "random (startup)")
            }
            return (point, "tpe")
        }
    }

    private func randomPoint(_ number: Int) -> [(key: String, value: JSONValue)] {
        var random = SplitMix64(definition.seed, 2, UInt64(number))
        return definition.space.map { ($0.name, $0.uniform(&random)) }
    }

    /// The grid in an order shuffled by the seed (so a budget smaller than the grid still spreads over it).
    private func gridPoint(_ number: Int) -> [(key: String, value: JSONValue)] {
        let axes = definition.space.map { $0.gridValues ?? [] }
        let size = axes.reduce(1) { $0 * $1.count }
        var index = GridOrder.shared.permutation(size: size, seed: definition.seed)[number % max(1, size)]
        var point: [(key: String, value: JSONValue)] = []
        for (parameter, values) in zip(definition.space, axes).reversed() {
            point.append((parameter.name, values[index % values.count]))
            index /= values.count
        }
        return point.reversed()
    }

    /// Optuna's univariate TPE: the told trials split into the best γ(n) and the rest, a Parzen estimator
    /// over each; of 24 candidates drawn from the good one, the one where good is likeliest against the rest.
    ///
    /// Steps snap candidates to a grid, so the good estimator often proposes a point already run; on a
    /// deterministic server that trial would teach nothing. Up to eight further draws (streams of their own)
    /// look for a new point before a repeat is accepted.
    private func tpePoint(_ number: Int, told: [ToldTrial], asked: Set<String>) -> [(key: String, value: JSONValue)]? {
        func score(_ trial: ToldTrial) -> Double? {
            switch trial.verdict {
            case .complete(let value): value
            case .infeasible, .unusable: nil
            }
        }
        // Feasible trials by score (ties by number); infeasible ones after them, never among the good.
        let feasible = told.filter { score($0) != nil }.sorted {
            (score($0)!, -$0.number) > (score($1)!, -$1.number)
        }
        guard !feasible.isEmpty else { return nil }
        let goodCount = min(Int((0.1 * Double(told.count)).rounded(.up)), 25, feasible.count)
        let good = Set(feasible.prefix(goodCount).map(\.number))
        let below = told.filter { good.contains($0.number) }
        let above = told.filter { !good.contains($0.number) }
        // The models depend on the told trials only: built once per ask, not once per attempt.
        let models = definition.space.map { parameter in
            TPEChoice(
                parameter, below: below.compactMap { $0.parameters[parameter.name] },
                above: above.compactMap { $0.parameters[parameter.name] })
        }
        var point: [(key: String, value: JSONValue)] = []
        for attempt in 0..<9 {
            point = definition.space.enumerated().map { index, parameter in
                var random = SplitMix64(definition.seed, 3, UInt64(number), UInt64(index), UInt64(attempt))
                return (parameter.name, models[index].pick(&random))
            }
            if !asked.contains(CanonicalJSON.string(.object(point))) { break }
        }
        return point
    }
}

/// The order a grid is walked in, per size and seed, computed once per process.
final class GridOrder: Sendable {
    static let shared = GridOrder()
    private let cache = Locked([String: [Int]]())

    func permutation(size: Int, seed: UInt64) -> [Int] {
        let key = "\(size)/\(seed)"
        if let known = cache.withLock({ $0[key] }) { return known }
        var order = Array(0..<size)
        var random = SplitMix64(seed, 1)
        for index in stride(from: size - 1, to: 0, by: -1) {
            order.swapAt(index, Int(random.next() % UInt64(index + 1)))
        }
        cache.withLock { $0[key] = order }
        return order
    }
}
