import SQLiteKit

/// The read models' schema: `migrations/*.sql`, embedded at build time by the EmbedMigrations plugin.
public enum ReadModelSchema {
    public static var migrations: [Migration] { EmbeddedMigrations.all }

    public static func migrator() throws -> Migrator { try Migrator(migrations) }
}
