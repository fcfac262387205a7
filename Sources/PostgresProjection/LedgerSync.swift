import EventLog
import Foundation
import JSON
import LedgerEvents
import PostgresNIO
import Projections

/// One sync of one ledger's read models into PostgreSQL, in one transaction with the ledger's checkpoint: the
/// rows the events after the checkpoint added (by `COPY`), the versions they closed, and the new checkpoint.
/// A sync killed anywhere leaves the database at the previous checkpoint, and the next one starts from there.
public struct LedgerSync {
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

    /// Applies what `snapshot` (the read models of `log`) holds beyond the database's checkpoint, and the
    /// events themselves; `waiting` is told when another sync of the same ledger holds it.
    public func apply(_ snapshot: ReadModelSnapshot, log: EventLog, waiting: () -> Void) async throws -> Outcome {
        func hash(at position: UInt64) throws -> String? { try log.read { try $0.event(at: position) }?.hash.hex }
        return try await session.transaction {
            let lock = "haasledger-ledger:" + ledgerID
            let free = try await session.rows("SELECT pg_try_advisory_xact_lock(hashtextextended(\(lock), 0))")
            if try free.first?.decode(Bool.self) != true {
                waiting()
                try await session.rows("SELECT pg_advisory_xact_lock(hashtextextended(\(lock), 0))")
            }
            let (from, syncedHash) = try await checkpoint()
            if from > 0 {
                guard let logged = try hash(at: from) else {
                    throw Mismatch.logBehind(ledgerID: ledgerID, synced: from, head: snapshot.position)
                }
                if let syncedHash, syncedHash != logged {
                    throw Mismatch.differentLog(ledgerID: ledgerID, position: from)
                }
            }
            guard snapshot.position > from else {
                return Outcome(ledgerID: ledgerID, from: from, through: from, addedRows: 0, closedRows: 0)
            }
            var added = 0
            var closed = 0
            var setsAdded = false
            for table in MirroredTable.all {
                if case .named = table.change, !setsAdded { continue }
                let count = try await copyAdded(table, snapshot.addedRows(table, after: from))
                if table.name == "backtest_metric_sets" { setsAdded = count > 0 }
                added += count
                if let closings = try snapshot.closedRows(table, after: from) {
                    closed += try await close(table, closings)
                }
            }
            let (events, bodies) = try await copyEvents(after: from, through: snapshot.position, log)
            added += events
            added += try await copyBodies(bodies, log, checkingSynced: from > 0)
            if added >= Self.analyzedAfter {
                // Statistics for the planner before anyone queries a bulk load (autovacuum gets there later).
                for table in MirroredTable.all.map(\.name) + Self.unmirroredTables where table != "projection_state" {
                    try await session.execute("ANALYZE \(table)")
                }
            }
            try await session.rows(
                """
                WITH saved AS (
                    INSERT INTO projection_state (ledger_id, name, position, recorded_at, event_hash, updated_at)
                    VALUES (\(ledgerID), 'read_models', \(Int64(snapshot.position)), \(snapshot.recordedAt),
                            \(try hash(at: snapshot.position)), \(Int64(Date().timeIntervalSince1970 * 1_000_000)))
                    ON CONFLICT (ledger_id, name) DO UPDATE SET position = excluded.position,
                        recorded_at = excluded.recorded_at, event_hash = excluded.event_hash, updated_at = excluded.updated_at
                    RETURNING position)
                SELECT pg_notify(\(Self.channel), \(ledgerID) || ' ' || saved.position) FROM saved
                """)
            return Outcome(
                ledgerID: ledgerID, from: from, through: snapshot.position, addedRows: added, closedRows: closed)
        }
    }

    /// The tables a sync fills from the log itself rather than from the SQLite read models, and its checkpoints.
    public static let unmirroredTables = ["projection_state", "events", "runtime_bodies"]

    /// A sync that adds this many rows analyzes the tables before it commits.
    static let analyzedAfter = 10_000

    /// Once per session: a sync's commit does not wait for the server's disk. A server crash can then lose
    /// only whole syncs, rows and checkpoint together, which the next sync repeats.
    public static func prepare(_ session: PostgresSession) async throws {
        try await session.execute("SET synchronous_commit TO off")
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
        let key: String
        switch table.change {
        case .upserted(let upserted), .named(let upserted): key = upserted
        case .versioned, .appended, .derivedFromMetricSets:
            return try await stream(rows, into: table.name, columns: columns)
        }
        let staging = "staged_" + table.name
        try await session.execute(
            "CREATE TEMP TABLE \(staging) ON COMMIT DROP AS SELECT \(columns.joined(separator: ", ")) FROM \(table.name) WITH NO DATA"
        )
        let count = try await stream(rows, into: staging, columns: columns)
        let updates = table.columns.filter { $0 != key }.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        let list = columns.joined(separator: ", ")
        let inserted = try await session.rows(
            PostgresQuery(
                unsafeSQL:
                    "INSERT INTO \(table.name) (\(list)) SELECT \(list) FROM \(staging) ON CONFLICT (ledger_id, \(key)) "
                    + (updates.isEmpty ? "DO NOTHING RETURNING 1" : "DO UPDATE SET \(updates)")))
        return table.change == .named(key: key) ? inserted.count : count
    }

    /// COPYs the log's events in (after, through] into `events`, reading them a read transaction per batch
    /// (a transaction of the log never spans a wait on the server); returns how many, and the bodies their
    /// runtime events name, each once.
    private func copyEvents(after from: UInt64, through: UInt64, _ log: EventLog) async throws
        -> (events: Int, bodies: [SHA256Hash])
    {
        guard through > from else { return (0, []) }
        var encoder = CopyTextEncoder(ledgerID: ledgerID)
        var bodies: [SHA256Hash] = []
        var named = Set<SHA256Hash>()
        try await session.copy(into: "events", columns: ["ledger_id"] + LoggedEventRow.columns) { writer in
            var next = from + 1
            while next <= through {
                next = try log.read { reader in
                    var position = next
                    try reader.forEachEvent(from: next, through: through) { event in
                        LoggedEventRow.write(event, into: &encoder)
                        if event.type == EventType.runtimeFetched.name, let hash = try Self.bodyHash(of: event),
                            named.insert(hash).inserted
                        {
                            bodies.append(hash)
                        }
                        position = event.position + 1
                        return !encoder.isFull
                    }
                    // The pages read are mapped in for good otherwise: a 2.2 GB log's sync held 1.5 GB of them.
                    reader.releaseMappedPages()
                    return position > next ? position : through + 1
                }
                if encoder.isFull || next > through { try await writer.write(encoder.take()) }
            }
        }
        return (encoder.rows, bodies)
    }

    /// The body a runtime event names (its payload's `body_sha256`; the body itself is the blob of the exchange
    /// that fetched it), read in place.
    static func bodyHash(of event: RecordedEvent) throws -> SHA256Hash? {
        try event.payload.canonicalBytes.withUnsafeBytes { bytes in
            let reader = CanonicalJSONReader(bytes)
            return try reader.member("body_sha256", of: reader.root).flatMap { try reader.string($0) }.flatMap {
                SHA256Hash(hex: $0)
            }
        }
    }

    /// COPYs the runtime bodies `hashes` names into `runtime_bodies`, as the log's blob store gives them back,
    /// leaving out those an earlier sync copied (`checkingSynced`: a first sync has none).
    private func copyBodies(_ hashes: [SHA256Hash], _ log: EventLog, checkingSynced: Bool) async throws -> Int {
        var missing = hashes
        if checkingSynced, !hashes.isEmpty {
            var synced = Set<String>()
            for start in stride(from: 0, to: hashes.count, by: 1_000) {
                let hexes = hashes[start..<min(start + 1_000, hashes.count)].map(\.hex)
                for row in try await session.rows(
                    "SELECT sha256 FROM runtime_bodies WHERE ledger_id = \(ledgerID) AND sha256 = ANY(\(hexes))")
                {
                    synced.insert(try row.decode(String.self))
                }
            }
            missing = hashes.filter { !synced.contains($0.hex) }
        }
        guard !missing.isEmpty else { return 0 }
        var encoder = CopyTextEncoder(ledgerID: ledgerID)
        try await session.copy(into: "runtime_bodies", columns: ["ledger_id", "sha256", "body"]) { writer in
            var next = 0
            while next < missing.count {
                // A read transaction per buffer, as for the events.
                next = try log.read { reader in
                    var index = next
                    while index < missing.count, !encoder.isFull {
                        if let body = try reader.blob(missing[index]) {
                            encoder.string(missing[index].hex)
                            body.withUnsafeBytes { encoder.bytea($0) }
                            encoder.endRow()
                        }
                        index += 1
                    }
                    reader.releaseMappedPages()
                    return index
                }
                try await writer.write(encoder.take())
            }
        }
        return encoder.rows
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
