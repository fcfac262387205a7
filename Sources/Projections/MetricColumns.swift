import JSON
import SQLiteKit

/// A few metrics of every backtest valid at a position, read in place from the stored sets: what a report charts
/// for 100,000 backtests without building a row, and a metric array, for each.
public struct MetricColumns: Sendable {
    public let names: [String]
    public let backtestIDs: [String]
    /// "" for a backtest of no lab.
    public let labIDs: [String]
    /// Row-major, `names.count` per backtest: orderable values (±inf as the infinities; nil when undefined or
    /// not computed).
    private let values: [Double?]

    public var count: Int { backtestIDs.count }

    public func value(_ backtest: Int, _ metric: Int) -> Double? { values[backtest * names.count + metric] }

    init(names: [String], backtestIDs: [String], labIDs: [String], values: [Double?]) {
        self.names = names
        self.backtestIDs = backtestIDs
        self.labIDs = labIDs
        self.values = values
    }
}

extension ReadModels {
    /// `names` under `formula` for every backtest valid at `position` (a backtest without metrics has nils), by
    /// backtest id.
    public func metricColumns(_ names: [String], formula: String, asOf position: UInt64?) throws -> MetricColumns {
        let statement = try db.prepare(
            """
            SELECT b.backtest_id, b.lab_id, s.metric_values FROM backtests b
            LEFT JOIN backtest_keys k ON k.backtest_id = b.backtest_id
            LEFT JOIN backtest_metric_sets s ON s.backtest_key = k.backtest_key AND s.formula_key = ?2
                AND s.valid_from <= ?1 AND (s.valid_to IS NULL OR s.valid_to > ?1)
            WHERE b.valid_from <= ?1 AND (b.valid_to IS NULL OR b.valid_to > ?1)
            ORDER BY b.backtest_id
            """)
        try statement.bind([Self.asOfParameter(position), .integer(try formulaKey(formula) ?? -1)])
        defer { statement.reset() }
        let wanted = names.map { Array($0.utf8) }
        var ids: [String] = []
        var labs: [String] = []
        var values: [Double?] = []
        while try statement.step() {
            ids.append(statement.string(0) ?? "")
            labs.append(statement.string(1) ?? "")
            var row = [Double?](repeating: nil, count: names.count)
            _ = try statement.withBytes(2) { bytes in
                let reader = CanonicalJSONReader(bytes)
                try reader.forEachMember(of: reader.root) { name, value in
                    guard let index = wanted.firstIndex(where: { $0.elementsEqual(name) }) else { return }
                    row[index] = MetricOrder.orderable(reader, value)
                }
            }
            values.append(contentsOf: row)
        }
        return MetricColumns(names: names, backtestIDs: ids, labIDs: labs, values: values)
    }
}
