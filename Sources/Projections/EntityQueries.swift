import SQLiteKit

/// A lab as of a position.
public struct LabRow: Sendable, Equatable {
    public let labID: String
    public let name: String?
    public let scriptID: String?
    public let status: Int64?
    public let scheduledBacktests: Int64?
    public let completedBacktests: Int64?
    /// The position this version of the row became true.
    public let validFrom: Int64
}

/// A script as of a position; `version` is its source's SHA-256 once a record of it was fetched.
public struct ScriptRow: Sendable, Equatable {
    public let scriptID: String
    public let name: String?
    public let type: Int64?
    public let compiled: Bool?
    public let valid: Bool?
    public let version: String?
    public let sourceBytes: Int64?
    public let updatedAt: Int64?
    public let validFrom: Int64
}

/// One recorded step of an execution: a lab's update, or a direct backtest's request, progress, result…
public struct ExecutionRow: Sendable, Equatable {
    public let labID: String?
    public let backtestID: String?
    public let position: Int64
    public let recordedAt: Int64
    public let step: String
    public let detail: String?
    public let status: Int64?
    public let progress: Double?
    public let completedBacktests: Int64?
    public let scheduledBacktests: Int64?
}

/// A market's history status and cutoff as of a position.
public struct CutoffRow: Sendable, Equatable {
    public let market: String
    public let status: Int64?
    public let synched: Int64?
    public let maxMonths: Int64?
    public let cutoff: String?
    public let method: String?
    public let precision: String?
    public let validFrom: Int64
}

/// A blob fetched or imported by a position: its kind, subject (a stream, or an imported file's path), size,
/// the first and last position it was recorded, and how often.
public struct CacheEntryRow: Sendable, Equatable {
    public let blobHash: String
    public let kind: String?
    public let subject: String?
    public let bytes: Int64?
    public let firstPosition: Int64
    public let lastPosition: Int64
    public let timesRecorded: Int64
}

/// Whose execution steps `executions` returns.
public enum ExecutionSubject: Sendable, Equatable {
    case lab(String)
    case backtest(String)
    /// Every execution, each by its latest step.
    case latest
}

private enum LabColumn: String, SelectedColumns {
    case lab_id, name, script_id, status, scheduled_backtests, completed_backtests, valid_from
}

private enum ScriptColumn: String, SelectedColumns {
    case script_id, name, type, compiled, valid, version, source_bytes, updated_at, valid_from
}

private enum ExecutionColumn: String, SelectedColumns {
    case lab_id, backtest_id, position, recorded_at, step, detail, status, progress, completed_backtests
    case scheduled_backtests
}

private enum CutoffColumn: String, SelectedColumns {
    case market, status, synched, max_months, cutoff, method, precision, valid_from
}

private enum CacheColumn: String, SelectedColumns {
    case blob_hash, kind, subject, bytes, first_position, last_position, fetch_count
}

extension ReadModelConnection {
    public func labs(asOf position: UInt64?) throws -> [LabRow] {
        try rows(
            "SELECT \(LabColumn.list) FROM labs WHERE \(ReadModels.validAt) ORDER BY lab_id",
            [ReadModels.asOfParameter(position)]
        ).map { row in
            LabRow(
                labID: row.string(LabColumn.lab_id) ?? "", name: row.string(LabColumn.name),
                scriptID: row.string(LabColumn.script_id), status: row.int64(LabColumn.status),
                scheduledBacktests: row.int64(LabColumn.scheduled_backtests),
                completedBacktests: row.int64(LabColumn.completed_backtests),
                validFrom: row.int64(LabColumn.valid_from) ?? 0)
        }
    }

    public func scripts(asOf position: UInt64?) throws -> [ScriptRow] {
        try rows(
            "SELECT \(ScriptColumn.list) FROM scripts WHERE \(ReadModels.validAt) ORDER BY name, script_id",
            [ReadModels.asOfParameter(position)]
        ).map { row in
            ScriptRow(
                scriptID: row.string(ScriptColumn.script_id) ?? "", name: row.string(ScriptColumn.name),
                type: row.int64(ScriptColumn.type), compiled: row.int64(ScriptColumn.compiled).map { $0 != 0 },
                valid: row.int64(ScriptColumn.valid).map { $0 != 0 }, version: row.string(ScriptColumn.version),
                sourceBytes: row.int64(ScriptColumn.source_bytes), updatedAt: row.int64(ScriptColumn.updated_at),
                validFrom: row.int64(ScriptColumn.valid_from) ?? 0)
        }
    }

    public func executions(_ subject: ExecutionSubject, asOf position: UInt64?) throws -> [ExecutionRow] {
        let sql =
            switch subject {
            case .lab:
                "SELECT \(ExecutionColumn.list) FROM executions WHERE position <= ?1 AND lab_id = ?2 ORDER BY position"
            case .backtest:
                "SELECT \(ExecutionColumn.list) FROM executions WHERE position <= ?1 AND backtest_id = ?2 ORDER BY position"
            case .latest:
                """
                SELECT \(ExecutionColumn.list) FROM executions WHERE position IN (
                    SELECT max(position) FROM executions WHERE position <= ?1 GROUP BY lab_id, backtest_id)
                ORDER BY position
                """
            }
        let parameters: [SQLiteValue] =
            switch subject {
            case .lab(let id), .backtest(let id): [ReadModels.asOfParameter(position), .text(id)]
            case .latest: [ReadModels.asOfParameter(position)]
            }
        return try rows(sql, parameters).map { row in
            ExecutionRow(
                labID: row.string(ExecutionColumn.lab_id), backtestID: row.string(ExecutionColumn.backtest_id),
                position: row.int64(ExecutionColumn.position) ?? 0,
                recordedAt: row.int64(ExecutionColumn.recorded_at) ?? 0, step: row.string(ExecutionColumn.step) ?? "",
                detail: row.string(ExecutionColumn.detail), status: row.int64(ExecutionColumn.status),
                progress: row.double(ExecutionColumn.progress),
                completedBacktests: row.int64(ExecutionColumn.completed_backtests),
                scheduledBacktests: row.int64(ExecutionColumn.scheduled_backtests))
        }
    }

    public func cutoffs(asOf position: UInt64?) throws -> [CutoffRow] {
        try rows(
            "SELECT \(CutoffColumn.list) FROM history_cutoffs WHERE \(ReadModels.validAt) ORDER BY market",
            [ReadModels.asOfParameter(position)]
        ).map { row in
            CutoffRow(
                market: row.string(CutoffColumn.market) ?? "", status: row.int64(CutoffColumn.status),
                synched: row.int64(CutoffColumn.synched), maxMonths: row.int64(CutoffColumn.max_months),
                cutoff: row.string(CutoffColumn.cutoff), method: row.string(CutoffColumn.method),
                precision: row.string(CutoffColumn.precision), validFrom: row.int64(CutoffColumn.valid_from) ?? 0)
        }
    }

    /// `cache_index` is cumulative; as of a position, the entries are recounted from the fetch and import rows.
    public func cacheEntries(asOf position: UInt64?) throws -> [CacheEntryRow] {
        try rows(
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
            ) AS recorded
            GROUP BY blob_hash ORDER BY first_position, blob_hash
            """,
            [ReadModels.asOfParameter(position)]
        ).map { row in
            CacheEntryRow(
                blobHash: row.string(CacheColumn.blob_hash) ?? "", kind: row.string(CacheColumn.kind),
                subject: row.string(CacheColumn.subject), bytes: row.int64(CacheColumn.bytes),
                firstPosition: row.int64(CacheColumn.first_position) ?? 0,
                lastPosition: row.int64(CacheColumn.last_position) ?? 0,
                timesRecorded: row.int64(CacheColumn.fetch_count) ?? 0)
        }
    }
}
