import EventLogTesting
import Foundation
import Projections
import SQLiteKit
import Testing

@Suite struct SQLiteKitTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "haasledger-sqlite") }

    @Test func bindStepAndReadEveryType() throws {
        let db = try SQLiteConnection(path: directory.appending("a.sqlite"))
        try db.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
        try db.prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?)").run([
            .integer(42), .real(2.5), .text("é \"q\""), .blob([0, 255]), .null,
        ])
        let rows = try db.prepare("SELECT i, r, s, b, n FROM t").rows()
        #expect(rows == [[.integer(42), .real(2.5), .text("é \"q\""), .blob([0, 255]), .null]])
        let statement = try db.prepare("SELECT i FROM t WHERE i = ?")
        #expect(statement.isReadOnly)
        #expect(try statement.rows([.integer(42)]).count == 1)
        #expect(try statement.rows([.integer(7)]).isEmpty, "reset between executions")
    }

    @Test func typedBindsAndBorrowedBytes() throws {
        let db = try SQLiteConnection(path: directory.appending("typed.sqlite"))
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, n TEXT)")
        let insert = try db.prepare("INSERT INTO t (i, r, s, n) VALUES (?1, ?2, ?3, ?5)")
        #expect(insert.parameterCount == 5, "the largest index used, gaps included")
        let text = Array("é,\"x\"".utf8)
        try text.withUnsafeBytes { bytes in
            try insert.bind(Int64(-7), at: 1)
            try insert.bind(0.25, at: 2)
            try insert.bind(text: bytes, at: 3)
            try insert.bindNull(at: 5)
        }
        try insert.execute()
        #expect(db.lastInsertedRowID == 1)
        try [UInt8]().withUnsafeBytes { try insert.bind(text: $0, at: 3) }
        try insert.execute()
        #expect(db.lastInsertedRowID == 2)
        let select = try db.prepare("SELECT s, n FROM t ORDER BY id")
        #expect(try select.step())
        #expect(select.withBytes(0) { Array($0) } == text)
        #expect(select.withBytes(1) { _ in true } == nil, "NULL has no bytes")
        #expect(try select.step())
        #expect(select.withBytes(0) { $0.count } == 0, "an empty text is not NULL")
        select.reset()
        #expect(try db.prepare("SELECT i, r FROM t WHERE id = 1").rows() == [[.integer(-7), .real(0.25)]])
        let error = #expect(throws: SQLiteError.self) { try insert.bind(Int64(1), at: 9) }
        #expect(error?.sql == insert.sql)
    }

    @Test func errorsCarryCodeMessageAndSQL() throws {
        let db = try SQLiteConnection(path: directory.appending("b.sqlite"))
        let error = #expect(throws: SQLiteError.self) { try db.prepare("SELEC nonsense") }
        #expect(error?.code == 1)
        #expect(error?.sql == "SELEC nonsense")
        #expect(error?.message.contains("syntax error") == true)
        #expect(error?.description.contains("in: SELEC nonsense") == true)
        try db.execute("CREATE TABLE u (k INTEGER PRIMARY KEY)")
        try db.prepare("INSERT INTO u VALUES (1)").run()
        let duplicate = #expect(throws: SQLiteError.self) { try db.prepare("INSERT INTO u VALUES (1)").run() }
        #expect(duplicate?.code == 19, "SQLITE_CONSTRAINT")
    }

    @Test func transactionsRollBackOnThrow() throws {
        let db = try SQLiteConnection(path: directory.appending("c.sqlite"))
        try db.execute("CREATE TABLE v (k INTEGER)")
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try db.transaction {
                try db.prepare("INSERT INTO v VALUES (1)").run()
                throw Stop()
            }
        }
        #expect(try db.prepare("SELECT count(*) FROM v").rows() == [[.integer(0)]])
        try db.transaction { try db.prepare("INSERT INTO v VALUES (2)").run() }
        #expect(try db.prepare("SELECT count(*) FROM v").rows() == [[.integer(1)]])
    }

    @Test func readOnlyConnectionsRefuseWrites() throws {
        let path = directory.appending("d.sqlite")
        try SQLiteConnection(path: path).execute("CREATE TABLE w (k INTEGER)")
        let reader = try SQLiteConnection(path: path, mode: .readOnly)
        #expect(try !reader.prepare("INSERT INTO w VALUES (1)").isReadOnly)
        let error = #expect(throws: SQLiteError.self) { try reader.prepare("INSERT INTO w VALUES (1)").run() }
        #expect(error?.code == 8, "SQLITE_READONLY")
        #expect(throws: SQLiteError.self) {
            try SQLiteConnection(path: directory.appending("missing.sqlite"), mode: .readOnly)
        }
    }

    @Test func embeddedMigrationsAreTheFilesInMigrations() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let files = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("migrations").path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(ReadModelSchema.migrations.map { String(format: "%04d_%@.sql", $0.version, $0.name) } == files)
        for (migration, file) in zip(ReadModelSchema.migrations, files) {
            let text = try String(contentsOf: root.appendingPathComponent("migrations/\(file)"), encoding: .utf8)
            #expect(migration.sql == text)
        }
    }

    @Test func migrationsBringAnOldFileUpToDateAndKeepItsRows() throws {
        let path = directory.appending("readmodels.sqlite")
        let all = try ReadModelSchema.migrator()
        let firstOnly = try Migrator(Array(ReadModelSchema.migrations.prefix(1)))
        let old = try SQLiteConnection(path: path)
        #expect(try firstOnly.migrate(old) == [1])
        try old.prepare("INSERT INTO labs (lab_id, name, valid_from) VALUES (?, ?, ?)").run([
            .text("L1"), .text("old"), .integer(1),
        ])
        let later = ReadModelSchema.migrations.dropFirst().map(\.version)
        #expect(try all.migrate(old) == later)
        #expect(try all.migrate(old).isEmpty)
        #expect(try old.prepare("SELECT name FROM labs").rows() == [[.text("old")]])
        let indexes = try old.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'labs_by_id'")
            .rows()
        #expect(indexes.count == 1)
        #expect(try all.appliedVersions(old) == [1] + later)
        #expect(
            try old.prepare("SELECT account_id, interval FROM backtests").columnCount == 2, "0003 added its columns")
        let future = try Migrator(
            ReadModelSchema.migrations + [Migration(version: 99, name: "future", sql: "SELECT 1")])
        try future.migrate(old)
        #expect(throws: SQLiteError.self) { try all.migrate(old) }
        #expect(throws: SQLiteError.self) {
            try Migrator([Migration(version: 1, name: "a", sql: ""), Migration(version: 1, name: "b", sql: "")])
        }
        #expect(Migration(fileName: "12_x.sql", sql: "")?.version == 12)
        #expect(Migration(fileName: "readme.md", sql: "") == nil)
    }
}
