import Projections

/// What a formula change moved: per backtest and metric, both values, the delta and the rank under each
/// formula; and, for people, the same summarised per metric.
extension ReadModelService {
    /// Every metric of every backtest whose value differs between two formulas (a metric only one formula
    /// computes shows with the other side empty), with the backtest's rank by that metric under each (descending,
    /// ±inf ordered as numbers, undefined unranked, ties by id).
    public func diff(formulas first: String, _ second: String, at moment: Moment, lab: String?, sweep: String? = nil)
        throws -> ResultTable
    {
        let changes = try formulaChanges(first, second, at: moment, lab: lab, sweep: sweep)
        return ResultTable(
            columns: ["backtest_id", "lab_id", "metric", first, second, "delta", "rank_from", "rank_to"],
            rows: changes.map { change in
                [
                    .text(change.backtest), .text(change.lab), .text(change.metric), Self.cell(change.from),
                    Self.cell(change.to), change.delta.map(ResultTable.Cell.number) ?? .null,
                    change.rankFrom.map { .integer(Int64($0)) } ?? .null,
                    change.rankTo.map { .integer(Int64($0)) } ?? .null,
                ]
            })
    }

    /// Per metric that moved: how many backtests, the mean and the largest delta (and whose), how many changed
    /// rank and the largest rank move.
    public func diffSummary(
        formulas first: String, _ second: String, at moment: Moment, lab: String?, sweep: String? = nil
    ) throws
        -> ResultTable
    {
        let changes = try formulaChanges(first, second, at: moment, lab: lab, sweep: sweep)
        var order: [String] = []
        var byMetric: [String: [FormulaChange]] = [:]
        for change in changes {
            if byMetric[change.metric] == nil { order.append(change.metric) }
            byMetric[change.metric, default: []].append(change)
        }
        return ResultTable(
            columns: [
                "metric", "backtests_moved", "mean_delta", "largest_delta", "largest_delta_backtest", "rank_changes",
                "largest_rank_move",
            ],
            rows: order.map { metric in
                let moved = byMetric[metric] ?? []
                let deltas = moved.compactMap(\.delta)
                let largest = moved.filter { $0.delta != nil }.max { abs($0.delta!) < abs($1.delta!) }
                let rankMoves = moved.compactMap { change in
                    change.rankFrom.flatMap { from in change.rankTo.map { $0 - from } }
                }.filter { $0 != 0 }
                let largestMove = rankMoves.max { abs($0) < abs($1) }
                return [
                    .text(metric), .integer(Int64(moved.count)),
                    deltas.isEmpty ? .null : .number(deltas.reduce(0, +) / Double(deltas.count)),
                    largest?.delta.map(ResultTable.Cell.number) ?? .null, largest.map { .text($0.backtest) } ?? .null,
                    .integer(Int64(rankMoves.count)), largestMove.map { .integer(Int64($0)) } ?? .null,
                ]
            })
    }

    private struct FormulaChange {
        let backtest: String
        let lab: String
        let metric: String
        let from: (number: Double?, text: String)?
        let to: (number: Double?, text: String)?
        var delta: Double? { from?.number.flatMap { x in to?.number.map { $0 - x } } }
        let rankFrom: Int?
        let rankTo: Int?
    }

    private func formulaChanges(
        _ first: String, _ second: String, at moment: Moment, lab: String?, sweep: String? = nil
    ) throws
        -> [FormulaChange]
    {
        let source = try read(formulas: [("--formula", first), ("--formula", second)])
        let position = try Self.position(moment, source.events) ?? .max
        let one = try source.models.backtests(BacktestQuery(lab: lab, sweep: sweep, formula: first, asOf: position))
        let two = try source.models.backtests(BacktestQuery(lab: lab, sweep: sweep, formula: second, asOf: position))
        let twoByID = Dictionary(uniqueKeysWithValues: two.map { ($0.backtestID, $0) })
        var ranksOne = RankTable(one)
        var ranksTwo = RankTable(two)
        var changes: [FormulaChange] = []
        for row in one {
            // A backtest counts once both formulas have computed it (as of the moment asked).
            guard let other = twoByID[row.backtestID], !row.metrics.isEmpty, !other.metrics.isEmpty else { continue }
            let names = row.metrics.map(\.name) + other.metrics.map(\.name).filter { row.metric($0) == nil }
            for name in names {
                let from = row.metric(name)
                let to = other.metric(name)
                guard from?.text != to?.text else { continue }
                changes.append(
                    FormulaChange(
                        backtest: row.backtestID, lab: row.labID, metric: name, from: from, to: to,
                        rankFrom: ranksOne.rank(of: row.backtestID, by: name),
                        rankTo: ranksTwo.rank(of: row.backtestID, by: name)))
            }
        }
        return changes
    }
}

/// Ranks of backtests by one metric at a time, computed once per metric on first use.
private struct RankTable {
    let rows: [BacktestRow]
    var ranks: [String: [String: Int]] = [:]

    init(_ rows: [BacktestRow]) { self.rows = rows }

    mutating func rank(of backtest: String, by metric: String) -> Int? {
        if ranks[metric] == nil {
            let ordered = rows.compactMap { row in row.orderable(metric).map { (row.backtestID, $0) } }.sorted {
                $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0
            }
            ranks[metric] = Dictionary(uniqueKeysWithValues: ordered.enumerated().map { ($1.0, $0 + 1) })
        }
        return ranks[metric]?[backtest]
    }

}
