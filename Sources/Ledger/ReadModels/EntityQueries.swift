import Projections
import SQLiteKit

/// The read models other than backtests, each as of a moment.
extension ReadModelService {
    public func labs(at moment: Moment) throws -> ResultTable {
        try select(
            "SELECT lab_id, name, script_id, status, scheduled_backtests, completed_backtests, valid_from FROM labs WHERE \(ReadModels.validAt) ORDER BY lab_id",
            at: moment)
    }

    public func executions(lab: String, at moment: Moment) throws -> ResultTable {
        try select(
            "SELECT position, recorded_at, status, progress, completed_backtests, scheduled_backtests FROM executions WHERE position <= ?1 AND lab_id = ?2 ORDER BY position",
            at: moment, extra: [.text(lab)])
    }

    public func cutoffs(at moment: Moment) throws -> ResultTable {
        try select(
            "SELECT market, status, synched, max_months, cutoff, method, precision, valid_from FROM history_cutoffs WHERE \(ReadModels.validAt) ORDER BY market",
            at: moment)
    }

    /// Blobs fetched or imported: kind, subject (a stream, or an imported file's path), size, first and last
    /// position seen, and how often they were recorded.
    public func cache(at moment: Moment) throws -> ResultTable {
        // cache_index is cumulative; as of a position, recount from the fetch and import rows instead.
        try select(
            """
            SELECT blob_hash, min(kind) AS kind, min(subject) AS subject, max(bytes) AS bytes,
                   min(position) AS first_position, max(position) AS last_position, count(*) AS fetch_count
            FROM (
                SELECT body_hash AS blob_hash, channel AS kind, subject,
                       (SELECT bytes FROM cache_index c WHERE c.blob_hash = f.body_hash) AS bytes, position
                FROM fetches f WHERE body_hash IS NOT NULL AND position <= ?1
                UNION ALL
                SELECT sha256, kind, path, bytes, position FROM imported_files
                WHERE status = 'imported' AND position <= ?1
            )
            GROUP BY blob_hash ORDER BY first_position
            """, at: moment)
    }

    private func select(_ sql: String, at moment: Moment, extra: [SQLiteValue] = []) throws -> ResultTable {
        let (log, models) = try open()
        let position = ReadModels.asOfParameter(try Self.position(moment, log))
        let statement = try models.db.prepare(sql)
        try statement.bind([position] + extra)
        defer { statement.reset() }
        return try ResultTable(statement)
    }
}
