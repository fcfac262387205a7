import NIOCore
import NIOPosix
import PostgresNIO
import Projections
import SQLiteKit

/// One ledger's rows in a shared schema, as the read commands see them: the ledger's rows behind temporary
/// views named as the tables, read in one read-only, repeatable-read transaction, so every statement of a
/// command sees the same sync. The read models' queries are synchronous, so each statement waits here for
/// its answer (the only place that bridges them to PostgresNIO).
public final class SharedLedgerConnection: ReadModelConnection {
    let session: PostgresSession
    public let ledgerID: String
    private var open = true

    private init(session: PostgresSession, ledgerID: String) {
        self.session = session
        self.ledgerID = ledgerID
    }

    /// Connects and narrows to `ledgerID`, or to the only ledger the schema holds when nil.
    public static func connect(_ url: PostgresURL, schema: PostgresSchema, ledgerID: String?) throws
        -> SharedLedgerConnection
    {
        let (session, chosen) = try blocking {
            let session = try await PostgresSession.connect(url)
            do {
                let sql = PostgresReadOnlySQL(session: session, schema: schema)
                let known = try await sql.ledgerIDs()
                let chosen: String
                if let ledgerID {
                    guard known.contains(ledgerID) else {
                        throw PostgresReadOnlySQL.Refusal.unknownLedger(ledgerID, known: known)
                    }
                    chosen = ledgerID
                } else {
                    guard known.count == 1, let only = known.first else {
                        throw PostgresReadOnlySQL.Refusal.ledgerNeeded(known: known)
                    }
                    chosen = only
                }
                try await sql.narrow(to: chosen)
                // The read models' queries are short index walks: compiling them costs more than it saves.
                try await session.execute("SET jit = off")
                try await session.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                return (session, chosen)
            } catch {
                await session.close()
                throw error
            }
        }
        return SharedLedgerConnection(session: session, ledgerID: chosen)
    }

    public func rows(_ sql: String, _ parameters: [SQLiteValue]) throws -> [[SQLiteValue]] {
        let query = Self.query(sql, parameters)
        let session = session
        return try Self.blocking {
            try await session.rows(query).map { row in try row.makeRandomAccess().map(PostgresReadOnlySQL.value) }
        }
    }

    /// Ends the transaction and the connection (also when the connection is released).
    public func close() {
        guard open else { return }
        open = false
        let session = session
        try? Self.blocking {
            try? await session.execute("COMMIT")
            await session.close()
        }
    }

    deinit { close() }

    /// SQLite's `?N` parameters (outside quotes) as PostgreSQL's `$N`, with the values bound by type.
    static func query(_ sql: String, _ parameters: [SQLiteValue]) -> PostgresQuery {
        var text = ""
        var quote: Character?
        var iterator = sql.makeIterator()
        var pending = iterator.next()
        while let character = pending {
            pending = iterator.next()
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "?" {
                text.append("$")
                continue
            }
            text.append(character)
        }
        var binds = PostgresBindings()
        for parameter in parameters {
            switch parameter {
            case .null: binds.append(String?.none)
            case .integer(let number): binds.append(number)
            case .real(let number): binds.append(number)
            case .text(let string): binds.append(string)
            case .blob(let bytes): binds.append(ByteBuffer(bytes: bytes))
            }
        }
        return PostgresQuery(unsafeSQL: text, binds: binds)
    }

    private static func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        try MultiThreadedEventLoopGroup.singleton.any().makeFutureWithTask(body).wait()
    }
}
