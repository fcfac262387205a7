import Foundation
import JSON
import Platform

/// A trial as the samplers see it: where its parameters lie and what it was told.
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
    let verdict: Verdict
    /// Each parameter of the space's where it lies (`SweepParameter.coordinate`), read from the parameters
    /// once rather than at every ask.
    let coordinates: [Double?]

    init(number: Int, parameters: JSONValue, verdict: Verdict, space: [SweepParameter]) {
        self.number = number
        self.verdict = verdict
        coordinates = space.map { parameters[$0.name].flatMap($0.coordinate) }
    }
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
    /// deterministic server that trial would teach nothing. The next best combination of the same candidates
    /// is taken then, by their summed scores (the product of the likelihood ratios, which univariate TPE
    /// maximises one parameter at a time); only when the best 512 were all asked do up to eight further draws
    /// (streams of their own) look for a new point before a repeat is accepted.
    private func tpePoint(_ number: Int, told: [ToldTrial], asked: Set<String>) -> [(key: String, value: JSONValue)]? {
        func score(_ trial: ToldTrial) -> Double? {
            switch trial.verdict {
            case .complete(let value): value
            case .infeasible, .unusable: nil
            }
        }
        // Feasible trials by score (ties by number); infeasible ones after them, never among the good.
        let feasible = told.compactMap { trial in score(trial).map { (score: $0, number: trial.number) } }.sorted {
            ($0.score, -$0.number) > ($1.score, -$1.number)
        }
        guard !feasible.isEmpty else { return nil }
        let goodCount = min(Int((0.1 * Double(told.count)).rounded(.up)), 25, feasible.count)
        let good = Set(feasible.prefix(goodCount).map(\.number))
        let below = told.filter { good.contains($0.number) }
        let above = told.filter { !good.contains($0.number) }
        // The models depend on the told trials only: built once per ask, not once per attempt.
        let models = definition.space.enumerated().map { index, parameter in
            TPEChoice(
                parameter, below: below.compactMap { $0.coordinates[index] },
                above: above.compactMap { $0.coordinates[index] })
        }
        let names = definition.space.map(\.name)
        var repeated: [(key: String, value: JSONValue)] = []
        for attempt in 0..<9 {
            let ranked = models.indices.map { index in
                var random = SplitMix64(definition.seed, 3, UInt64(number), UInt64(index), UInt64(attempt))
                return models[index].ranked(&random)
            }
            if let point = Self.bestUnasked(ranked, names: names, asked: asked) { return point }
            repeated = zip(names, ranked).map { (key: $0, value: $1[0].value) }
        }
        return repeated
    }

    /// Of the combinations of one value per list, the one with the highest summed score that `asked` lacks,
    /// among the best `limit` (best first; equal sums in the order of the lists' places).
    static func bestUnasked(
        _ lists: [[(value: JSONValue, score: Double)]], names: [String], asked: Set<String>, limit: Int = 512
    ) -> [(key: String, value: JSONValue)]? {
        func total(_ places: [Int]) -> Double { zip(lists, places).reduce(0) { $0 + $1.0[$1.1].score } }
        let first = Array(repeating: 0, count: lists.count)
        var frontier = [(places: first, total: total(first))]
        var seen: Set<[Int]> = [first]
        for _ in 0..<limit {
            guard
                let next = frontier.indices.max(by: { left, right in
                    let (a, b) = (frontier[left], frontier[right])
                    return a.total != b.total
                        ? a.total < b.total : a.places.lexicographicallyPrecedes(b.places) == false
                })
            else { return nil }
            let places = frontier.remove(at: next).places
            let point = zip(names, zip(lists, places).map { $0[$1].value }).map { (key: $0, value: $1) }
            if !asked.contains(CanonicalJSON.string(.object(point))) { return point }
            for dimension in places.indices where places[dimension] + 1 < lists[dimension].count {
                var successor = places
                successor[dimension] += 1
                if seen.insert(successor).inserted { frontier.append((successor, total(successor))) }
            }
        }
        return nil
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
