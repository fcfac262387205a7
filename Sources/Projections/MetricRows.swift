import JSON
import SQLiteKit

extension ReadModels {
    /// One statement over the file's sets, each read in place from SQLite's page.
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
        var picked = MetricPick(names)
        while try statement.step() {
            picked.clear()
            _ = try statement.withBytes(2) { try picked.read($0) }
            try row(statement.string(0) ?? "", statement.string(1) ?? "", picked.values)
        }
    }
}

/// Some metrics' orderable values read in place from a stored set's canonical JSON, by name.
struct MetricPick {
    private let wanted: [[UInt8]]
    private(set) var values: [Double?]

    init(_ names: [String]) {
        wanted = names.map { Array($0.utf8) }
        values = [Double?](repeating: nil, count: names.count)
    }

    mutating func clear() {
        for index in values.indices { values[index] = nil }
    }

    mutating func read(_ set: UnsafeRawBufferPointer) throws {
        let reader = CanonicalJSONReader(set)
        try reader.forEachMember(of: reader.root) { name, value in
            guard let index = wanted.firstIndex(where: { $0.elementsEqual(name) }) else { return }
            values[index] = MetricOrder.orderable(reader, value)
        }
    }
}
