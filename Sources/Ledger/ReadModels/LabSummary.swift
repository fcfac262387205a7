import Projections

/// `query labs --summary`: per lab, how its backtests did under one formula, as freqtrade's summary tables do.
extension ReadModelService {
    public func labSummary(formula asked: String?, at moment: Moment) throws -> ResultTable {
        let (source, formula) = try read(formula: asked)
        let position = try Self.position(moment, source.events)
        let labs = try source.models.labs(asOf: position)
        let backtests = try source.models.backtests(BacktestQuery(formula: formula, asOf: position ?? .max))
        let byLab = Dictionary(grouping: backtests, by: \.labID)
        let names = Dictionary(labs.map { ($0.labID, $0.name) }, uniquingKeysWith: { first, _ in first })
        let ids = Array(Set(labs.map(\.labID)).union(byLab.keys)).sorted()
        return ResultTable(
            columns: [
                "lab_id", "name", "backtests", "with_metrics", "best_return", "median_return", "worst_return",
                "profitable_share", "formula",
            ],
            rows: ids.map { id in
                let rows = byLab[id] ?? []
                let returns = rows.compactMap { $0.orderable("total_return") }.sorted()
                let median: Double? =
                    returns.isEmpty
                    ? nil
                    : returns.count % 2 == 1
                        ? returns[returns.count / 2] : (returns[returns.count / 2 - 1] + returns[returns.count / 2]) / 2
                return [
                    .text(id), names[id].flatMap { $0 }.map(ResultTable.Cell.text) ?? .null,
                    .integer(Int64(rows.count)), .integer(Int64(returns.count)),
                    returns.last.map(ResultTable.Cell.number) ?? .null, median.map(ResultTable.Cell.number) ?? .null,
                    returns.first.map(ResultTable.Cell.number) ?? .null,
                    returns.isEmpty
                        ? .null : .number(Double(returns.filter { $0 > 0 }.count) / Double(returns.count)),
                    .text(formula),
                ]
            },
            displays: [
                "best_return": .fraction, "median_return": .fraction, "worst_return": .fraction,
                "profitable_share": .fraction,
            ])
    }
}
