import JSON
import SQLiteKit

extension ReadModels {
    /// `names` under `formula` for every backtest valid at `position`, by backtest id, read in place from the
    /// stored sets one backtest at a time: what a report charts for a ledger of any size without building a row,
    /// or holding one, per backtest. `row` gets the id, the lab id ("" for a backtest of no lab) and the values
    /// in the order of `names`: orderable (±inf as the infinities), nil when undefined or not computed.
    public func forEachMetricRow(
        _ names: [String], formula: String, asOf position: UInt64?,
        _ row: (_ backtestID: String, _ labID: String, _ values: [Double?]) throws -> Void
    ) throws {
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
        var values = [Double?](repeating: nil, count: names.count)
        while try statement.step() {
            for index in values.indices { values[index] = nil }
            _ = try statement.withBytes(2) { bytes in
                let reader = CanonicalJSONReader(bytes)
                try reader.forEachMember(of: reader.root) { name, value in
                    guard let index = wanted.firstIndex(where: { $0.elementsEqual(name) }) else { return }
                    values[index] = MetricOrder.orderable(reader, value)
                }
            }
            try row(statement.string(0) ?? "", statement.string(1) ?? "", values)
        }
    }
}
