import PostgresNIO
import SQLiteKit

/// The schema the read models are projected into (`haasledger` unless `--schema` names another), migrated by
/// `migrations/postgres/NNNN_name.sql` as SQLite is by `migrations/`: in version order, each once, recorded in
/// the schema's `schema_migrations`, all under one advisory lock so two first syncs cannot race.
public struct PostgresSchema: Sendable, Equatable {
    public let name: String

    public static let defaultName = "haasledger"

    /// `name` must be a plain lower-case identifier: it is written into SQL, so nothing else is accepted.
    public init(_ name: String = PostgresSchema.defaultName) throws(PostgresError) {
        let allowed = name.utf8.allSatisfy { (97...122).contains($0) || $0.isDigit || $0 == UInt8(ascii: "_") }
        guard let first = name.utf8.first, name.utf8.count <= 63, allowed, !first.isDigit else {
            throw .invalidURL(reason: "--schema '\(name)' must be lower-case letters, digits and _ (not first a digit)")
        }
        self.name = name
    }

    public static var migrations: [Migration] { EmbeddedMigrations.all }

    /// Brings the schema up to this build's migrations, then points the session's search path at it.
    public func migrate(_ session: PostgresSession) async throws {
        let known = Self.migrations.last?.version ?? 0
        try await session.transaction {
            try await session.rows("SELECT pg_advisory_xact_lock(hashtextextended(\("haasledger-schema:" + name), 0))")
            try await session.execute(
                """
                CREATE SCHEMA IF NOT EXISTS \(name);
                SET LOCAL search_path TO \(name);
                CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)
                """)
            var applied = Set<Int>()
            for row in try await session.rows("SELECT version FROM schema_migrations") {
                applied.insert(try row.decode(Int.self))
            }
            if let newest = applied.max(), newest > known {
                throw PostgresError.newerSchema(schema: name, version: newest, known: known)
            }
            for migration in Self.migrations where !applied.contains(migration.version) {
                try await session.execute(migration.sql)
                try await session.rows(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))")
            }
        }
        try await session.execute("SET search_path TO \(name)")
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { (48...57).contains(self) }
}
