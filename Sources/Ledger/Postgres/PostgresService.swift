import EventLog
import Foundation
import PostgresProjection
import Projections

/// `project sync --postgres` and `sql --postgres`: the read models of this ledger projected into a PostgreSQL
/// schema that several ledgers share, and read-only statements on it.
public struct PostgresService {
    public let location: LedgerLocation

    public init(location: LedgerLocation) {
        self.location = location
    }

    /// Where the database is: the flag, else `$HAASLEDGER_POSTGRES_URL` (nil when neither is given), and the
    /// schema in it.
    public static func target(flag: String?, schema: String) throws -> PostgresTarget? {
        let environment = ProcessEnvironment.values
        guard let text = flag ?? environment["HAASLEDGER_POSTGRES_URL"] else { return nil }
        let url: PostgresURL
        do {
            url = try PostgresURL(text, environment: environment)
        } catch {
            throw LedgerError.invalidArgument(
                flag: flag == nil ? "$HAASLEDGER_POSTGRES_URL" : "--postgres", reason: error.description)
        }
        guard let schema = try? PostgresSchema(schema) else {
            throw LedgerError.invalidArgument(
                flag: "--schema", reason: "'\(schema)' must be lower-case letters, digits and _, not first a digit")
        }
        return PostgresTarget(url: url, schema: schema)
    }

    /// The line a sync prints.
    public static func line(_ outcome: LedgerSync.Outcome, target: PostgresTarget) -> String {
        let place = "\(target.url) schema \(target.schema.name)"
        guard outcome.through > outcome.from else {
            return "ledger \(outcome.ledgerID) is up to date in \(place) at position \(outcome.through)"
        }
        return
            "synced ledger \(outcome.ledgerID) into \(place): positions \(outcome.from + 1)–\(outcome.through), \(outcome.addedRows) rows added, \(outcome.closedRows) versions closed"
    }

    /// One sync: the read models caught up with the log, then what the database lacks of them, in one
    /// transaction. `note` receives what a person waiting should know (another sync holds the ledger).
    public func sync(_ target: PostgresTarget, note: @escaping (String) -> Void) async throws -> LedgerSync.Outcome {
        let (url, schema) = (target.url, target.schema)
        let source = try SyncSource(location)
        let session = try await PostgresSession.connect(url)
        do {
            try await schema.migrate(session)
            try await LedgerSync.prepare(session)
            let outcome = try await source.sync(into: session, note: note)
            await session.close()
            return outcome
        } catch {
            await session.close()
            throw Self.mapped(error)
        }
    }

    /// Syncs, then syncs again each time the log grows (checking every `interval`), until `stop` is raised
    /// (SIGINT or SIGTERM): then it ends between two syncs and throws `interrupted` with the last position
    /// synced. A lost connection is retried, with the wait growing to 30 s, and said on stderr.
    public func follow(
        _ target: PostgresTarget, interval: Duration, stop: StopRequest = .process,
        report: @escaping (LedgerSync.Outcome) -> Void, note: @escaping (String) -> Void
    ) async throws {
        let (url, schema) = (target.url, target.schema)
        let source = try SyncSource(location)
        var backoff = 1.0
        var synced: UInt64?
        /// Waits `duration`, or less once `stop` is raised (looked at every 100 ms).
        func pause(_ duration: Duration) async throws {
            let end = ContinuousClock.now + duration
            while !stop.isRequested && ContinuousClock.now < end {
                try await Task.sleep(for: min(.milliseconds(100), end - ContinuousClock.now))
            }
        }
        while !stop.isRequested {
            let session: PostgresSession
            do {
                session = try await PostgresSession.connect(url)
                try await schema.migrate(session)
                try await LedgerSync.prepare(session)
            } catch let error as PostgresError where error.isUnreachable {
                note("\(error); retrying in \(Int(backoff)) s")
                try await pause(.seconds(backoff))
                backoff = min(backoff * 2, 30)
                continue
            }
            backoff = 1
            do {
                while !stop.isRequested {
                    let outcome = try await source.sync(into: session, note: note)
                    synced = outcome.through
                    if outcome.through > outcome.from { report(outcome) } else { try await pause(interval) }
                }
            } catch let error as PostgresError where error.isUnreachable {
                note("\(error); reconnecting")
            } catch {
                await session.close()
                throw Self.mapped(error)
            }
            await session.close()
        }
        throw LedgerError.interrupted(
            "stopped following; \(synced.map { "ledger \(source.id) is synced through position \($0)" } ?? "nothing was synced")"
        )
    }

    /// `sql --postgres`: one read-only statement, narrowed to one ledger's rows when `ledgerID` is given.
    public func sql(
        _ statement: String, target: PostgresTarget, ledgerID: String?, at moment: ReadModelService.Moment,
        timeLimit: Double
    ) async throws -> ResultTable {
        let (url, schema) = (target.url, target.schema)
        let ledgerID = try SharedReadModelsTarget(target, ledgerID: ledgerID).ledgerID
        if case .time = moment, ledgerID == nil {
            throw LedgerError.invalidArgument(
                flag: "--as-of", reason: "a time falls at a different position in each ledger: give --ledger-id")
        }
        let session = try await PostgresSession.connect(url)
        do {
            let sql = PostgresReadOnlySQL(session: session, schema: schema)
            let position: UInt64? =
                switch moment {
                case .now: nil
                case .position(let asked): asked
                case .time(let micros): try await sql.position(asOf: micros, ledgerID: ledgerID ?? "")
                }
            let answer = try await sql.run(statement, ledgerID: ledgerID, asOf: position, timeout: timeLimit)
            await session.close()
            return ResultTable(answer)
        } catch {
            await session.close()
            throw Self.mapped(error)
        }
    }

    /// The connection a read command reads one ledger's rows through.
    static func connect(_ shared: SharedReadModelsTarget) throws -> SharedLedgerConnection {
        do {
            return try SharedLedgerConnection.connect(
                shared.target.url, schema: shared.target.schema, ledgerID: shared.ledgerID)
        } catch {
            throw mapped(error)
        }
    }

    /// PostgreSQL's refusals as the ledger's input and integrity errors, so they exit 2 and 3.
    static func mapped(_ error: any Error) -> any Error {
        switch error {
        case PostgresReadOnlySQL.Refusal.notReadOnly:
            return LedgerError.invalidArgument(
                flag: "sql", reason: "only read-only statements are allowed on PostgreSQL")
        case PostgresReadOnlySQL.Refusal.severalStatements:
            return LedgerError.invalidArgument(
                flag: "sql", reason: "one statement at a time (the SQL holds more than one)")
        case PostgresReadOnlySQL.Refusal.unknownLedger(let id, let known):
            return LedgerError.invalidArgument(
                flag: "--ledger-id",
                reason:
                    "no ledger \(id) was synced here; synced: \(known.isEmpty ? "none" : known.joined(separator: ", "))"
            )
        case PostgresReadOnlySQL.Refusal.ledgerNeeded(let known):
            return LedgerError.invalidArgument(
                flag: "--ledger-id",
                reason: known.isEmpty
                    ? "no ledger was synced here yet (`project sync --postgres`)"
                    : "the schema holds \(known.count) ledgers (\(known.joined(separator: ", "))): name one with --ledger-id, or query them together with `sql --postgres`"
            )
        case PostgresReadOnlySQL.Refusal.noSchema(let name):
            return LedgerError.invalidArgument(
                flag: "--schema", reason: "the database has no schema \(name); `project sync --postgres` creates it")
        case let PostgresReadOnlySQL.Refusal.olderSchema(name, version, known):
            return LedgerError.invalidArgument(
                flag: "--schema",
                reason:
                    "schema \(name) was last migrated to \(version) and this build reads \(known): `project sync --postgres` with this build brings it up to date"
            )
        case let mismatch as LedgerSync.Mismatch:
            return LedgerError.integrity(mismatch.description)
        case PostgresError.server(let message, _, _) where message.contains("syntax error"):
            return LedgerError.invalidArgument(flag: "sql", reason: String(describing: error))
        default:
            return error
        }
    }
}

/// One ledger's rows in a shared schema, for the read commands: the ledger named, or the only one there.
public struct SharedReadModelsTarget: Sendable {
    let target: PostgresTarget
    let ledgerID: String?

    public init(_ target: PostgresTarget, ledgerID: String?) throws {
        if let ledgerID, !LedgerIdentity.isID(ledgerID) {
            throw LedgerError.invalidArgument(
                flag: "--ledger-id", reason: "'\(ledgerID)' is not 16 hex digits (see `log stats`)")
        }
        self.target = target
        self.ledgerID = ledgerID
    }
}

/// A PostgreSQL database and the schema of the read models in it.
public struct PostgresTarget: Sendable, CustomStringConvertible {
    let url: PostgresURL
    let schema: PostgresSchema

    /// The URL without its password, and the schema.
    public var description: String { "\(url) schema \(schema.name)" }
}

/// This ledger's side of a sync: the log and its read models, kept open while `--follow` goes on, and the
/// ledger's id.
private final class SyncSource {
    let log: EventLog
    let models: ReadModels
    let path: String
    let id: String

    init(_ location: LedgerLocation) throws {
        (log, models) = try ReadModelService(location: location).open()
        path = location.readModelsPath
        guard let id = try LedgerIdentity.id(of: log) else {
            throw LedgerError.invalidArgument(
                flag: "--ledger", reason: "\(location.root): the log is empty: nothing to sync")
        }
        self.id = id
    }

    /// Catches the read models up with the log, then applies what the database lacks of them.
    func sync(into session: PostgresSession, note: @escaping (String) -> Void) async throws -> LedgerSync.Outcome {
        try models.projector.catchUp(from: log)
        let snapshot = try ReadModelSnapshot(path: path)
        let log = self.log
        let id = self.id
        return try await LedgerSync(session: session, ledgerID: id).apply(
            snapshot, log: log, waiting: { note("waiting for another sync of ledger \(id) to finish") })
    }
}
