import ArgumentParser
import Ledger

/// `--postgres URL` and `--schema NAME`: the PostgreSQL database the read models are projected into.
struct PostgresOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "postgres://USER@HOST[:PORT]/DATABASE (default: $HAASLEDGER_POSTGRES_URL).",
            discussion: "The password: in the URL, $PGPASSWORD or ~/.pgpass; it is never printed or recorded."))
    var postgres: String?
    @Option(help: "With --postgres: the schema of the read models.") var schema: String = "haasledger"

    /// The database asked for, or nil for the ledger's own SQLite read models.
    var target: PostgresTarget? {
        get throws { try PostgresService.target(flag: postgres, schema: schema) }
    }
}

/// `--postgres URL`, `--schema` and `--ledger-id` on the read commands: one ledger's rows from the shared
/// database instead of this ledger's own read models. Only the flag chooses it: a `$HAASLEDGER_POSTGRES_URL`
/// set for syncing leaves the local reads local.
struct SharedReadOptions: ParsableArguments {
    @Option(
        name: .customLong("postgres"),
        help: ArgumentHelp(
            "Read the rows `project sync --postgres` projected into this database: postgres://USER@HOST[:PORT]/DATABASE.",
            discussion: "The password: in the URL, $PGPASSWORD or ~/.pgpass; it is never printed or recorded."))
    var url: String?
    @Option(name: .customLong("schema"), help: "With --postgres: the schema of the read models.")
    var schema: String = "haasledger"
    @Option(help: "With --postgres: the ledger to read (its id, from `log stats`; needed when several were synced).")
    var ledgerId: String?

    /// The shared rows asked for, or nil for the ledger's own read models.
    var shared: SharedReadModelsTarget? {
        get throws {
            guard let url else {
                if ledgerId != nil { throw ValidationError("--ledger-id applies to --postgres") }
                return nil
            }
            return try PostgresService.target(flag: url, schema: schema).map {
                try SharedReadModelsTarget($0, ledgerID: ledgerId)
            }
        }
    }
}

extension ProjectCommand {
    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Project the read models into PostgreSQL, where several ledgers share one schema.",
            discussion: """
                The first sync of a ledger loads its rows with COPY; later ones apply only what new events \\
                changed. Each ledger's rows carry its ledger id (`log stats`), and its checkpoint is written in \\
                the same transaction as its rows, so a sync stopped at any point resumes without gaps or \\
                duplicates. Each sync that applies events sends NOTIFY haasledger_sync, 'LEDGER_ID POSITION'.
                """)
        @OptionGroup var options: LedgerOption
        @OptionGroup var database: PostgresOptions
        @Flag(help: "Keep syncing as the log grows, until interrupted.") var follow = false
        @Option(help: "With --follow: seconds between looks at the log.") var interval: Double = 1

        func validate() throws {
            if !(interval > 0) { throw ValidationError("--interval must be more than 0 seconds") }
        }

        func run() async throws {
            guard let target = try database.target else {
                throw ValidationError("give --postgres URL (or set HAASLEDGER_POSTGRES_URL)")
            }
            let service = PostgresService(location: try options.location)
            let note: @Sendable (String) -> Void = { StandardError.write($0) }
            if follow {
                // Stopped between two syncs (a single sync is one transaction: a signal ends it, and the
                // server rolls it back).
                StopRequest.stopOnSignals()
                try await service.follow(
                    target, interval: .milliseconds(Int(interval * 1000)),
                    report: { try? printLines([PostgresService.line($0, target: target)]) }, note: note)
                return
            }
            let outcome = try await service.sync(target, note: note)
            try printLines([PostgresService.line(outcome, target: target)])
        }
    }
}
