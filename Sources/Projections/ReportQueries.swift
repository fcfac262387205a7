import SQLiteKit

/// Where a backtest's numbers came from, as of a position: the runtime event its facts were read from and the
/// `metrics.computed` event whose values stand under a formula. The report links every row to these.
public struct BacktestProvenanceRow: Sendable, Equatable {
    public let backtestID: String
    public let runtimePosition: Int64?
    public let metricsPosition: Int64?
}

/// A backtest whose metric set under a formula was replaced at least once: the position where each version
/// became true, oldest first.
public struct MetricRevisionsRow: Sendable, Equatable {
    public let backtestID: String
    public let positions: [Int64]
}

/// What a lab's backtests (or those of no lab) ran on, as of a position: one row per lab id, aggregated in SQL.
public struct LabOutline: Sendable, Equatable {
    public var scripts: [String] = []
    public var markets: [String] = []
    /// Unix seconds.
    public var firstStart: Int64?
    public var lastEnd: Int64?

    public init() {}
}

/// How much recording went into the read models by a position.
public struct RecordingCounts: Sendable, Equatable {
    /// API calls recorded (`fetches`).
    public let fetches: Int64
    /// Distinct runs that fetched or imported.
    public let runs: Int64
    /// Cache files imported.
    public let importedFiles: Int64
}

extension ReadModels {
    public func provenance(backtests ids: [String], formula: String, asOf position: UInt64?) throws
        -> [String: BacktestProvenanceRow]
    {
        let statement = try db.prepare(
            """
            SELECT b.runtime_position,
                (SELECT max(s.valid_from) FROM backtest_metric_sets s
                    JOIN backtest_keys k ON k.backtest_key = s.backtest_key
                    JOIN metric_formulas f ON f.formula_key = s.formula_key
                    WHERE k.backtest_id = ?2 AND f.formula = ?3
                        AND s.valid_from <= ?1 AND (s.valid_to IS NULL OR s.valid_to > ?1))
            FROM backtests b WHERE b.backtest_id = ?2 AND b.valid_from <= ?1 AND (b.valid_to IS NULL OR b.valid_to > ?1)
            """)
        var found: [String: BacktestProvenanceRow] = [:]
        for id in ids {
            try statement.bind([Self.asOfParameter(position), .text(id), .text(formula)])
            defer { statement.reset() }
            if try statement.step() {
                found[id] = BacktestProvenanceRow(
                    backtestID: id, runtimePosition: statement.int64(0), metricsPosition: statement.int64(1))
            }
        }
        return found
    }

    public func revisedBacktests(formula: String, asOf position: UInt64?, limit: Int) throws -> [MetricRevisionsRow] {
        let statement = try db.prepare(
            """
            SELECT k.backtest_id, group_concat(s.valid_from) FROM (
                SELECT s.backtest_key, s.valid_from FROM backtest_metric_sets s
                JOIN metric_formulas f ON f.formula_key = s.formula_key
                WHERE f.formula = ?2 AND s.valid_from <= ?1 ORDER BY s.backtest_key, s.valid_from) s
            JOIN backtest_keys k ON k.backtest_key = s.backtest_key
            GROUP BY s.backtest_key HAVING count(*) > 1
            ORDER BY count(*) DESC, k.backtest_id LIMIT ?3
            """)
        try statement.bind([Self.asOfParameter(position), .text(formula), .integer(Int64(limit))])
        defer { statement.reset() }
        return try statement.collect { row in
            MetricRevisionsRow(
                backtestID: row.string(0) ?? "",
                positions: (row.string(1) ?? "").split(separator: ",").compactMap { Int64($0) }.sorted())
        }
    }

    /// Every script parameter name some backtest valid at `position` ran with, sorted.
    public func parameterKeys(asOf position: UInt64?) throws -> [String] {
        try db.prepare(
            """
            SELECT DISTINCT j.key FROM backtests b, json_each(b.parameters) j
            WHERE b.valid_from <= ?1 AND (b.valid_to IS NULL OR b.valid_to > ?1) AND json_valid(b.parameters)
            ORDER BY j.key
            """
        ).rows([Self.asOfParameter(position)]).compactMap { if case .text(let key)? = $0.first { key } else { nil } }
    }

}

/// The report's questions whose SQL SQLite and PostgreSQL both understand.
extension ReadModelConnection {
    /// Each lab id's scripts, markets and period as of `position`, keyed by lab id ("" for the backtests of no lab).
    public func labOutlines(asOf position: UInt64?) throws -> [String: LabOutline] {
        let rows = try rows(
            """
            SELECT coalesce(lab_id, ''), 'script', script_name, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT) FROM backtests
                WHERE \(ReadModels.validAt) AND script_name IS NOT NULL GROUP BY 1, 3
            UNION ALL SELECT coalesce(lab_id, ''), 'market', market, NULL, NULL FROM backtests
                WHERE \(ReadModels.validAt) AND market IS NOT NULL GROUP BY 1, 3
            UNION ALL SELECT coalesce(lab_id, ''), 'period', NULL, min(started_at), max(ended_at) FROM backtests
                WHERE \(ReadModels.validAt) GROUP BY 1
            """, [ReadModels.asOfParameter(position)])
        var outlines: [String: LabOutline] = [:]
        for row in rows {
            guard case .text(let lab) = row[0], case .text(let kind) = row[1] else { continue }
            var outline = outlines[lab] ?? LabOutline()
            switch (kind, row[2]) {
            case ("script", .text(let name)): outline.scripts.append(name)
            case ("market", .text(let name)): outline.markets.append(name)
            default:
                outline.firstStart = row[3].integerValue
                outline.lastEnd = row[4].integerValue
            }
            outlines[lab] = outline
        }
        return outlines.mapValues { outline in
            var sorted = outline
            sorted.scripts.sort()
            sorted.markets.sort()
            return sorted
        }
    }

    /// Fetches, runs and imported files recorded by `position`.
    public func recordingCounts(asOf position: UInt64?) throws -> RecordingCounts {
        let rows = try rows(
            """
            SELECT (SELECT count(*) FROM fetches WHERE position <= ?1),
                (SELECT count(*) FROM (SELECT run_id FROM fetches WHERE position <= ?1 AND run_id IS NOT NULL
                    UNION SELECT run_id FROM imported_files WHERE position <= ?1 AND run_id IS NOT NULL) AS runs),
                (SELECT count(*) FROM imported_files WHERE position <= ?1 AND status = 'imported')
            """, [ReadModels.asOfParameter(position)])
        func count(_ index: Int) -> Int64 {
            if case .integer(let value)? = rows.first?[index] { value } else { 0 }
        }
        return RecordingCounts(fetches: count(0), runs: count(1), importedFiles: count(2))
    }
}
