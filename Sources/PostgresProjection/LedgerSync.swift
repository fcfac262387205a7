import Foundation
import PostgresNIO
import Projections

/// One sync of one ledger's read models into PostgreSQL, in one transaction with the ledger's checkpoint: the
/// rows the events after the checkpoint added (by `COPY`), the versions they closed, and the new checkpoint.
/// A sync killed anywhere leaves the database at the previous checkpoint, and the next one starts from there.
public struct LedgerSync {
    /// The log's event at a position: what a checkpoint is checked against.
    public struct LoggedEvent: Sendable, Equatable {
        public let hash: String

        public init(hash: String) {
            self.hash = hash
        }
    }

    /// Why a ledger cannot be synced into what the database holds for its id.
    public enum Mismatch: Error, Sendable, CustomStringConvertible {
        /// The database was synced further than this log reaches.
        case logBehind(ledgerID: String, synced: UInt64, head: UInt64)
        /// The database's event at the checkpoint is not this log's.
        case differentLog(ledgerID: String, position: UInt64)

        public var description: String {
            switch self {
            case let .logBehind(id, synced, head):
                "ledger \(id) was synced through position \(synced), but this log ends at \(head): it is not the log that was synced (or it lost events)"
            case let .differentLog(id, position):
                "ledger \(id) in the database holds another log: its event #\(position) has a different hash (was the ledger copied and then written to?)"
            }
        }
    }

    public struct Outcome: Sendable, Equatable {
        public let ledgerID: String
        /// The checkpoint before and after.
        public let from: UInt64
        public let through: UInt64
        public let addedRows: Int
        public let closedRows: Int
    }

    /// The channel a `NOTIFY` goes to after each applied batch; its payload is `LEDGER_ID POSITION`.
    public static let channel = "haasledger_sync"

    let session: PostgresSession
    let ledgerID: String

    public init(session: PostgresSession, ledgerID: String) {
        self.session = session
        self.ledgerID = ledgerID
    }

    /// Applies what `snapshot` holds beyond the database's checkpoint. `logged` gives the log's event at a
    /// position (nil when the log has none); `waiting` is told when another sync of the same ledger holds it.
    public func apply(
        _ snapshot: ReadModelSnapshot, logged: (UInt64) throws -> LoggedEvent?, waiting: () -> Void
    ) async throws -> Outcome {
        try await session.transaction {
            let lock = "haasledger-ledger:" + ledgerID
            let free = try await session.rows("SELECT pg_try_advisory_xact_lock(hashtextextended(\(lock), 0))")
            if try free.first?.decode(Bool.self) != true {
                waiting()
                try await session.rows("SELECT pg_advisory_xact_lock(hashtextextended(\(lock), 0))")
            }
            let (from, syncedHash) = try await checkpoint()
            if from > 0 {
                guard let event = try logged(from) else {
                    throw Mismatch.logBehind(ledgerID: ledgerID, synced: from, head: snapshot.position)
                }
                if let syncedHash, syncedHash != event.hash {
                    throw Mismatch.differentLog(ledgerID: ledgerID, position: from)
                }
            }
            guard snapshot.position > from else {
                return Outcome(ledgerID: ledgerID, from: from, through: from, addedRows: 0, closedRows: 0)
            }
            var added = 0
            var closed = 0
            for table in MirroredTable.all {
                added += try await copyAdded(table, snapshot.addedRows(table, after: from))
                if let closings = try snapshot.closedRows(table, after: from) {
                    closed += try await close(table, closings)
                }
            }
            let head = try logged(snapshot.position)
            try await session.rows(
                """
                INSERT INTO projection_state (ledger_id, name, position, recorded_at, event_hash, updated_at)
                VALUES (\(ledgerID), 'read_models', \(Int64(snapshot.position)), \(snapshot.recordedAt), \(head?.hash),
                        \(Int64(Date().timeIntervalSince1970 * 1_000_000)))
                ON CONFLICT (ledger_id, name) DO UPDATE SET position = excluded.position,
                    recorded_at = excluded.recorded_at, event_hash = excluded.event_hash, updated_at = excluded.updated_at
                """)
            try await session.rows("SELECT pg_notify(\(Self.channel), \(ledgerID + " " + String(snapshot.position)))")
            return Outcome(
                ledgerID: ledgerID, from: from, through: snapshot.position, addedRows: added, closedRows: closed)
        }
    }

    /// The position the database holds for this ledger (0 before its first sync) and that event's hash.
    func checkpoint() async throws -> (position: UInt64, hash: String?) {
        let rows = try await session.rows(
            "SELECT position, event_hash FROM projection_state WHERE ledger_id = \(ledgerID) AND name = 'read_models'")
        guard let row = rows.first else { return (0, nil) }
        let (position, hash) = try row.decode((Int64, String?).self)
        return (UInt64(position), hash)
    }

    /// COPYs the rows into the table itself, or, for a table whose rows are rewritten, into a staging table
    /// that then replaces them.
    private func copyAdded(_ table: MirroredTable, _ rows: ChangedRows) async throws -> Int {
        guard try !rows.isEmpty() else { return 0 }
        let columns = ["ledger_id"] + table.columns
        guard case .upserted(let key) = table.change else {
            return try await stream(rows, into: table.name, columns: columns)
        }
        let staging = "staged_" + table.name
        try await session.execute(
            "CREATE TEMP TABLE \(staging) ON COMMIT DROP AS SELECT \(columns.joined(separator: ", ")) FROM \(table.name) WITH NO DATA"
        )
        let count = try await stream(rows, into: staging, columns: columns)
        let updates = table.columns.filter { $0 != key }.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        let list = columns.joined(separator: ", ")
        try await session.execute(
            "INSERT INTO \(table.name) (\(list)) SELECT \(list) FROM \(staging) ON CONFLICT (ledger_id, \(key)) DO UPDATE SET \(updates)"
        )
        return count
    }

    /// Closes the versions listed (key columns, valid_from, valid_to) through a staging table and one UPDATE.
    private func close(_ table: MirroredTable, _ rows: ChangedRows) async throws -> Int {
        guard try !rows.isEmpty(), let closing = table.closingColumns else { return 0 }
        let staging = "closed_" + table.name
        let columns = ["ledger_id"] + closing
        try await session.execute(
            "CREATE TEMP TABLE \(staging) ON COMMIT DROP AS SELECT \(columns.joined(separator: ", ")) FROM \(table.name) WITH NO DATA"
        )
        let count = try await stream(rows, into: staging, columns: columns)
        let match = (["ledger_id"] + closing.dropLast()).map { "t.\($0) = c.\($0)" }.joined(separator: " AND ")
        try await session.execute(
            "UPDATE \(table.name) t SET valid_to = c.valid_to FROM \(staging) c WHERE \(match) AND t.valid_to IS NULL")
        return count
    }

    private func stream(_ rows: ChangedRows, into table: String, columns: [String]) async throws -> Int {
        var encoder = CopyTextEncoder(ledgerID: ledgerID)
        try await session.copy(into: table, columns: columns) { writer in
            while try rows.next(limit: 2_000, into: &encoder) {
                if encoder.isFull { try await writer.write(encoder.take()) }
            }
            if encoder.buffer.readableBytes > 0 { try await writer.write(encoder.take()) }
        }
        return encoder.rows
    }
}
