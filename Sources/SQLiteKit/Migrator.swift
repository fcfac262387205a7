/// A schema change: `migrations/NNNN_name.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Parses `NNNN_name.sql`; nil for any other file name.
    public init?(fileName: String, sql: String) {
        guard fileName.hasSuffix(".sql") else { return nil }
        let stem = fileName.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]), version > 0 else {
            return nil
        }
        self.init(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql)
    }
}

/// Applies migrations in version order, each in its own transaction, and records them in
/// `schema_migrations`, so an old file is brought up to date and a current one is left alone.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(_ migrations: [Migration]) throws(SQLiteError) {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.version == next.version {
            throw SQLiteError(
                code: 1, extendedCode: 1,
                message: "two migrations have version \(next.version): \(previous.name), \(next.name)", sql: nil)
        }
        self.migrations = sorted
    }

    /// The versions already applied to `connection`.
    public func appliedVersions(_ connection: SQLiteConnection) throws(SQLiteError) -> [Int] {
        try connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        let rows = try connection.prepare("SELECT version FROM schema_migrations ORDER BY version").rows()
        return rows.compactMap { if case .integer(let version) = $0.first { Int(version) } else { nil } }
    }

    /// Applies what is missing; returns the versions applied now.
    @discardableResult
    public func migrate(_ connection: SQLiteConnection) throws -> [Int] {
        let applied = Set(try appliedVersions(connection))
        if let newest = applied.max(), let known = migrations.last?.version, newest > known {
            throw SQLiteError(
                code: 1, extendedCode: 1,
                message:
                    "\(connection.path) has schema version \(newest), newer than this build knows (\(known)); rebuild it with this build",
                sql: nil)
        }
        var done: [Int] = []
        for migration in migrations where !applied.contains(migration.version) {
            try connection.transaction {
                try connection.execute(migration.sql)
                try connection.prepare("INSERT INTO schema_migrations (version, name) VALUES (?, ?)")
                    .run([.integer(Int64(migration.version)), .text(migration.name)])
            }
            done.append(migration.version)
        }
        return done
    }
}
