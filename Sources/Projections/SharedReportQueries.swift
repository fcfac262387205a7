import SQLiteKit

/// The report's questions on a shared database, where metric sets are keyed by backtest id and formula name
/// (SQLite's forms join its small integer keys).
extension SharedReadModels {
    /// Backtests read in pages of this many by id (keyset), so that a ledger of any size is never held whole.
    static let metricRowPage = 5_000

    public func forEachMetricRow(
        _ names: [String], formula: String, asOf position: UInt64?,
        _ row: (_ backtestID: String, _ labID: String, _ values: [Double?]) throws -> Void
    ) throws {
        var picked = MetricPick(names)
        var after = ""
        while true {
            let page = try rows(
                """
                SELECT b.backtest_id, b.lab_id, s.metric_values FROM backtests b
                LEFT JOIN backtest_metric_sets s ON s.backtest_id = b.backtest_id AND s.formula = ?2
                    AND s.valid_from <= ?1 AND (s.valid_to IS NULL OR s.valid_to > ?1)
                WHERE b.valid_from <= ?1 AND (b.valid_to IS NULL OR b.valid_to > ?1) AND b.backtest_id > ?3
                ORDER BY b.backtest_id LIMIT ?4
                """,
                [
                    ReadModels.asOfParameter(position), .text(formula), .text(after),
                    .integer(Int64(Self.metricRowPage)),
                ])
            for values in page {
                picked.clear()
                if var set = values[2].textValue {
                    try set.withUTF8 { try picked.read(UnsafeRawBufferPointer($0)) }
                }
                after = values[0].textValue ?? ""
                try row(after, values[1].textValue ?? "", picked.values)
            }
            if page.count < Self.metricRowPage { return }
        }
    }

    public func provenance(backtests ids: [String], formula: String, asOf position: UInt64?) throws
        -> [String: BacktestProvenanceRow]
    {
        guard !ids.isEmpty else { return [:] }
        let list = ids.indices.map { "?\($0 + 3)" }.joined(separator: ", ")
        let found = try rows(
            """
            SELECT b.backtest_id, b.runtime_position,
                (SELECT max(s.valid_from) FROM backtest_metric_sets s
                    WHERE s.backtest_id = b.backtest_id AND s.formula = ?2
                        AND s.valid_from <= ?1 AND (s.valid_to IS NULL OR s.valid_to > ?1))
            FROM backtests b
            WHERE b.backtest_id IN (\(list)) AND b.valid_from <= ?1 AND (b.valid_to IS NULL OR b.valid_to > ?1)
            """, [ReadModels.asOfParameter(position), .text(formula)] + ids.map(SQLiteValue.text))
        return Dictionary(
            found.map { row in
                let id = row[0].textValue ?? ""
                return (
                    id,
                    BacktestProvenanceRow(
                        backtestID: id, runtimePosition: row[1].integerValue, metricsPosition: row[2].integerValue)
                )
            }, uniquingKeysWith: { first, _ in first })
    }

    public func revisedBacktests(formula: String, asOf position: UInt64?, limit: Int) throws -> [MetricRevisionsRow] {
        try rows(
            """
            SELECT backtest_id, string_agg(valid_from::text, ',' ORDER BY valid_from) FROM backtest_metric_sets
            WHERE formula = ?2 AND valid_from <= ?1
            GROUP BY backtest_id HAVING count(*) > 1
            ORDER BY count(*) DESC, backtest_id LIMIT ?3
            """, [ReadModels.asOfParameter(position), .text(formula), .integer(Int64(limit))]
        ).map { row in
            MetricRevisionsRow(
                backtestID: row[0].textValue ?? "",
                positions: (row[1].textValue ?? "").split(separator: ",").compactMap { Int64($0) }.sorted())
        }
    }
}
