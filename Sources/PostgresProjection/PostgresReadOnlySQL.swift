import Foundation
import PostgresNIO
import Projections
import SQLiteKit

/// A user's statement on the projected read models: in a read-only transaction with a statement timeout, so
/// it can neither write nor run away. With a ledger id, every read-model table and view is shadowed by a
/// temporary view of that ledger's rows (temporary relations come first in PostgreSQL's search path), so the
/// same statement that runs on SQLite runs here unchanged.
public struct PostgresReadOnlySQL {
    let session: PostgresSession
    let schema: PostgresSchema

    public init(session: PostgresSession, schema: PostgresSchema) {
        self.session = session
        self.schema = schema
    }

    /// Why a statement was refused before or as it ran.
    public enum Refusal: Error, Sendable, Equatable {
        case notReadOnly
        case severalStatements
        case unknownLedger(String, known: [String])
        /// The schema holds several ledgers (or none) and the command reads one.
        case ledgerNeeded(known: [String])
        case noSchema(String)
        /// The schema was last migrated by an older build: the tables this build reads are not all there yet.
        case olderSchema(String, version: Int, known: Int)
    }

    /// The ledger ids the schema holds, sorted.
    public func ledgerIDs() async throws -> [String] {
        try await useSchema()
        return try await session.rows("SELECT ledger_id FROM projection_state ORDER BY ledger_id").map {
            try $0.decode(String.self)
        }
    }

    /// The last position of a ledger recorded at or before `time` (µs), or 0 when every event is later.
    public func position(asOf time: Int64, ledgerID: String) async throws -> UInt64 {
        try await useSchema()
        let rows = try await session.rows(
            "SELECT max(position) FROM events WHERE ledger_id = \(ledgerID) AND recorded_at <= \(time)")
        return UInt64(try rows.first?.decode(Int64?.self) ?? 0)
    }

    /// Runs `statement`; `:asof` is bound to `position` (every version so far when nil).
    public func run(_ statement: String, ledgerID: String?, asOf position: UInt64?, timeout: Double) async throws
        -> SQLAnswer
    {
        if let ledgerID {
            let known = try await ledgerIDs()
            guard known.contains(ledgerID) else { throw Refusal.unknownLedger(ledgerID, known: known) }
            try await narrow(to: ledgerID)
        } else {
            try await useSchema()
        }
        let (sql, binds) = Self.bindingAsOf(statement, position)
        do {
            return try await session.transaction {
                try await session.execute("SET TRANSACTION READ ONLY")
                try await session.execute("SET LOCAL statement_timeout = \(max(1, Int(timeout * 1000)))")
                let rows = try await session.rows(PostgresQuery(unsafeSQL: sql, binds: binds))
                return try Self.answer(rows)
            }
        } catch PostgresError.server(_, let state, _) where state == "25006" {
            throw Refusal.notReadOnly
        } catch PostgresError.server(_, let state, _) where state == "42601" && sql.contains(";") {
            throw Refusal.severalStatements
        } catch PostgresError.timedOut {
            throw PostgresError.timedOut(seconds: timeout)
        }
    }

    /// Shadows every table and view with a temporary view of one ledger's rows (`ledgerID` is 16 hex digits,
    /// as `ledgerIDs` lists them).
    func narrow(to ledgerID: String) async throws {
        let version = try await session.rows("SELECT max(version) FROM schema_migrations").first?.decode(Int?.self) ?? 0
        let known = PostgresSchema.migrations.last?.version ?? 0
        if version > known { throw PostgresError.newerSchema(schema: schema.name, version: version, known: known) }
        if version < known { throw Refusal.olderSchema(schema.name, version: version, known: known) }
        for table in MirroredTable.all.map(\.name) + LedgerSync.unmirroredTables + ["backtest_metrics"] {
            try await session.execute(
                "CREATE OR REPLACE TEMP VIEW \(table) AS SELECT * FROM \(schema.name).\(table) WHERE ledger_id = '\(ledgerID)'"
            )
        }
    }

    private func useSchema() async throws {
        let found = try await session.rows("SELECT 1 FROM pg_namespace WHERE nspname = \(schema.name)")
        guard !found.isEmpty else { throw Refusal.noSchema(schema.name) }
        try await session.execute("SET search_path TO \(schema.name)")
    }

    /// `:asof` (not a `::` cast) outside quotes becomes `$1`.
    static func bindingAsOf(_ sql: String, _ position: UInt64?) -> (String, PostgresBindings) {
        var output = ""
        var quote: Character?
        var index = sql.startIndex
        var used = false
        while index < sql.endIndex {
            let character = sql[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == ":", sql[index...].hasPrefix(":asof"),
                index == sql.startIndex || sql[sql.index(before: index)] != ":"
            {
                let after = sql.index(index, offsetBy: 5)
                if after == sql.endIndex || !(sql[after].isLetter || sql[after].isNumber || sql[after] == "_") {
                    output += "$1"
                    used = true
                    index = after
                    continue
                }
            }
            output.append(character)
            index = sql.index(after: index)
        }
        var binds = PostgresBindings()
        if used { binds.append(Int64(min(position ?? UInt64(Int64.max), UInt64(Int64.max)))) }
        return (output, binds)
    }

    /// Rows as SQLite values, so the answer prints as `sql` on SQLite does.
    static func answer(_ rows: [PostgresRow]) throws -> SQLAnswer {
        guard let first = rows.first else { return SQLAnswer(columns: [], rows: []) }
        let columns = first.makeRandomAccess().map(\.columnName)
        return SQLAnswer(
            columns: columns,
            rows: try rows.map { row in try row.makeRandomAccess().map(value) })
    }

    static func value(_ cell: PostgresCell) throws -> SQLiteValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .int2, .int4, .int8, .oid: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .numeric: return .text(try cell.decode(Decimal.self).description)
        case .text, .varchar, .name, .bpchar, .json, .jsonb, .uuid: return .text(try cell.decode(String.self))
        case .bytea: return .blob(Array(try cell.decode(ByteBuffer.self).readableBytesView))
        default:
            throw PostgresError.unsupportedColumn(
                name: cell.columnName, type: cell.dataType.knownSQLName ?? "oid \(cell.dataType.rawValue)")
        }
    }
}
