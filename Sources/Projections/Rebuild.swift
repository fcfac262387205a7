import EventLog
import Foundation
import Platform
import SQLiteKit

#if canImport(Glibc)
    import Glibc
#endif

extension ReadModels {
    /// Replays the log from position 1 through `through` into a fresh file, then moves it to `output`
    /// (atomically replacing what was there). Returns the position reached.
    ///
    /// Two replays run at once, one per core, each writing its own staging file: this thread writes the
    /// metric tables (most of the rows) from `metrics.computed`, one bucket of positions at a time
    /// (`MetricSetRebuild`); a second thread replays every other event through the projector into a side file, then builds
    /// that file's indexes in one pass each. The side file's tables are copied in with one statement each, which
    /// SQLite does page by page when both ends have the same indexes and the target is empty.
    ///
    /// `progress` hears each step with the position it reached and the position it goes to.
    @discardableResult
    public static func rebuild(
        log: EventLog, through: UInt64 = .max, output: String,
        progress: @escaping @Sendable (_ step: String, _ done: UInt64, _ total: UInt64) -> Void = { _, _, _ in }
    ) throws -> UInt64 {
        try rebuild(
            log: log, through: through, output: output, keysInMemory: Projector.bulkKeysInMemory, progress: progress)
    }

    /// `keysInMemory`: how many keys of each versioned table the replay keeps in memory (fewer read more back).
    @discardableResult
    static func rebuild(
        log: EventLog, through: UInt64 = .max, output: String, keysInMemory: Int,
        progress: @escaping @Sendable (_ step: String, _ done: UInt64, _ total: UInt64) -> Void = { _, _, _ in }
    ) throws -> UInt64 {
        let staging = output + ".rebuild-\(ProcessInfo.processInfo.processIdentifier)"
        let side = staging + "-events"
        removeAbandonedStaging(of: output)
        defer { removeStaging(staging) }
        let position: UInt64 = try {
            let db = try openStaging(staging)
            // The head is fixed first, so both replays stop at the same event however the log grows.
            let end = min(through, try log.read { try $0.head()?.position ?? 0 })
            let others = BackgroundResult {
                Result(catching: { () throws -> UInt64 in
                    let sideDB = try openStaging(side)
                    let projector = try Projector(sideDB)
                    let indexes = try dropSecondaryIndexes(sideDB, keeping: projector.keyIndexColumns)
                    projector.leavesMetricsToReplay = true
                    projector.beginBulk(keysInMemory: keysInMemory)
                    defer { projector.endBulk() }
                    try projector.catchUp(from: log, through: end) { progress("rebuild: events", $0, end) }
                    for index in indexes { try sideDB.execute(index.sql) }
                    progress("rebuild: indexes", end, end)
                    return try projector.position()
                })
            }
            let metrics = Result(catching: { () throws -> Void in
                try db.transaction {
                    try MetricSetRebuild.rebuild(log: log, through: end, into: db, keysInMemory: keysInMemory) {
                        progress("rebuild: metric sets", end, end)
                    }
                }
                progress("rebuild: metric tables", end, end)
            })
            let position = try others.wait().get()
            try metrics.get()
            try db.execute("ATTACH DATABASE '\(side.replacingOccurrences(of: "'", with: "''"))' AS side")
            let tables = try db.prepare(
                "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name"
            ).rows().compactMap { row -> String? in if case .text(let name)? = row.first { name } else { nil } }
            try db.transaction {
                for table in tables { try db.execute("INSERT INTO main.\"\(table)\" SELECT * FROM side.\"\(table)\"") }
            }
            try db.execute("DETACH DATABASE side")
            progress("rebuild: tables", end, end)
            try db.execute("PRAGMA synchronous = FULL; PRAGMA journal_mode = DELETE")
            return position
        }()
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: output + suffix) }
        if rename(staging, output) != 0 {
            throw SQLiteError(
                code: 14, extendedCode: 14,
                message: "cannot move \(staging) to \(output): \(String(cString: strerror(errno)))", sql: nil)
        }
        return position
    }

    /// Removes a staging file and its side file with their journals.
    private static func removeStaging(_ staging: String) {
        for path in [staging, staging + "-events"] {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                try? FileManager.default.removeItem(atPath: path + suffix)
            }
        }
    }

    /// Removes the staging files of rebuilds whose process is gone (killed, or the machine went down): nobody
    /// will finish them, and each can be as large as the read models.
    private static func removeAbandonedStaging(of output: String) {
        let folder = (output as NSString).deletingLastPathComponent
        let prefix = (output as NSString).lastPathComponent + ".rebuild-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        for name in names where name.hasPrefix(prefix) {
            let digits = name.dropFirst(prefix.count).prefix { $0.isNumber }
            guard let pid = Int32(digits), !digits.isEmpty else { continue }
            let ours = pid == ProcessInfo.processInfo.processIdentifier
            if ours || (kill(pid, 0) != 0 && errno == ESRCH) {
                removeStaging((folder.isEmpty ? "" : folder + "/") + prefix + digits)
            }
        }
    }

    /// Each staging file's page cache, in KiB (negative: SQLite's unit): two are open at once, and the memory
    /// they may hold counts against the rebuild's bound.
    static let stagingCachePages = -16_384

    /// A migrated staging file. Nobody else sees it until it is renamed into place, so it needs no journal, and a
    /// large page cache keeps pages in memory instead of re-reading them per insert.
    private static func openStaging(_ path: String) throws -> SQLiteConnection {
        let db = try SQLiteConnection(path: path)
        try db.execute(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE; PRAGMA cache_size = \(stagingCachePages)"
        )
        try ReadModelSchema.migrator().migrate(db)
        return db
    }

    /// Drops the secondary indexes and returns them, to be created once the rows are in: one sort instead of a
    /// b-tree insert per row. Unique indexes stay, as upserts rely on them, and so does the first index of a
    /// table in `keeping` that starts with its columns, which the bulk merge looks keys up by.
    private static func dropSecondaryIndexes(_ db: SQLiteConnection, keeping: [String: [String]]) throws -> [(
        name: String, sql: String
    )] {
        let indexes = try db.prepare(
            "SELECT name, sql, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name"
        ).rows().compactMap { row -> (name: String, sql: String, table: String)? in
            guard case .text(let name) = row[0], case .text(let sql) = row[1], case .text(let table) = row[2] else {
                return nil
            }
            return (name, sql, table)
        }
        var kept = Set<String>()
        var dropped: [(name: String, sql: String)] = []
        for index in indexes {
            if let key = keeping[index.table], !kept.contains(index.table) {
                let columns = try db.prepare("SELECT name FROM pragma_index_info(?) ORDER BY seqno").rows([
                    .text(index.name)
                ]).compactMap { row -> String? in if case .text(let name)? = row.first { name } else { nil } }
                if columns.starts(with: key) {
                    kept.insert(index.table)
                    continue
                }
            }
            try db.execute("DROP INDEX \"\(index.name)\"")
            dropped.append((index.name, index.sql))
        }
        return dropped
    }
}
