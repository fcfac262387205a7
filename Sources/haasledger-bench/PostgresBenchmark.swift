// `postgres`: the read models of a synthetic ledger synced into a throwaway PostgreSQL server.
import EventLog
import EventLogTesting
import Foundation
import JSON
import Ledger
import PostgresProjection
import Projections

/// The read models of `backtests` × `revisions` (1,000,000 events at 100,000 × 5) synced by `project sync`
/// into a throwaway server, against psql's `\copy` of the same rows into empty copies of the same tables
/// (indexes included) on the same server; then one new event at a time synced in-process; then as-of top-20
/// queries through the same reader `query --postgres` uses. The server is the tests' throwaway cluster
/// (fsync off).
func postgresBenchmark(work: String, haasledger: String, backtests: Int, revisions: Int) async throws {
    let cluster = try PostgresCluster()
    defer { cluster.stop() }
    try cluster.createDatabase("bench")
    let url = cluster.url("bench")
    let directory = work + "/postgres-ledger"
    let location = LedgerLocation(root: directory)
    _ = try writeSyntheticLedger(location, backtests: backtests, revisions: revisions)
    let events = try {
        let log = try location.openLog(create: false)
        try ReadModels.rebuild(log: log, output: location.readModelsPath)
        return try log.read { try $0.head()?.position ?? 0 }
    }()

    let bulkStart = monotonicSeconds()
    let bulk = try ChildProcess.run(program: haasledger, ["project", "sync", "--ledger", directory, "--postgres", url])
    let bulkSeconds = monotonicSeconds() - bulkStart
    guard bulk.status == 0 else { fail("project sync: \(bulk.stderr)") }

    // The baseline: the same rows, dumped to files, loaded again by psql into empty tables of the same shape.
    let tables = MirroredTable.all.map(\.name) + ["events", "runtime_bodies"]
    try cluster.psql("CREATE SCHEMA raw", database: "bench")
    var rows = 0
    var copies: [String] = []
    for table in tables {
        let file = "\(work)/\(table).copy"
        try cluster.psql("\\copy haasledger.\(table) TO '\(file)'", database: "bench")
        try cluster.psql("CREATE TABLE raw.\(table) (LIKE haasledger.\(table) INCLUDING ALL)", database: "bench")
        rows += Int(try cluster.psql("SELECT count(*) FROM haasledger.\(table)", database: "bench").trimmed) ?? 0
        copies.append("\\copy raw.\(table) FROM '\(file)'")
    }
    let rawStart = monotonicSeconds()
    try cluster.psql(commands: copies, database: "bench")
    let rawSeconds = monotonicSeconds() - rawStart
    for table in tables { try? FileManager.default.removeItem(atPath: "\(work)/\(table).copy") }

    // From here on the database is as it is some time after a bulk load: autovacuum has been through it (set
    // the visibility map, so index-only walks read no heap page) and is not competing for the disk and cores.
    try cluster.psql("VACUUM ANALYZE", database: "bench")

    // One new event at a time, as `--follow` applies it: catch-up, snapshot, one transaction.
    let log = try location.openLog(create: false)
    let models = try ReadModels(path: location.readModelsPath, log: log)
    let session = try await PostgresSession.connect(try PostgresURL(url, environment: [:]))
    let ledgerID = try LedgerIdentity.id(of: log) ?? ""
    let schema = try PostgresSchema("haasledger")
    try await schema.migrate(session)  // and the search path
    try await LedgerSync.prepare(session)
    var incremental: [Double] = []
    for index in 0..<20 {
        try log.append(
            EventDraft(
                stream: "lab:late-\(index)", type: "haas.lab.observed",
                payload: Payload(.object([("lab_id", .string("late-\(index)")), ("status", .number(3))]))))
        let begin = monotonicSeconds()
        try models.projector.catchUp(from: log)
        _ = try await LedgerSync(session: session, ledgerID: ledgerID).apply(
            try ReadModelSnapshot(path: location.readModelsPath), log: log, waiting: {})
        incremental.append(monotonicSeconds() - begin)
    }
    await session.close()

    let shared = SharedReadModels(
        try SharedLedgerConnection.connect(
            try PostgresURL(url, environment: [:]), schema: schema, ledgerID: nil))
    let (p50, p99) = try asOfTopLatencies(shared, events: events)

    print(
        "postgresql: read models of \(grouped(Double(events))) events (\(grouped(Double(backtests))) backtests × \(revisions) revisions), \(grouped(Double(rows))) rows in \(tables.count) tables"
    )
    print(row("", "rows per second", "ratio"))
    print(row("psql \\copy of the same rows (baseline)", grouped(Double(rows) / rawSeconds), "1.00"))
    let ratio = rawSeconds / bulkSeconds
    print(
        row(
            "project sync (bulk, whole command)", grouped(Double(rows) / bulkSeconds),
            String(
                format: "%.2f× (goal ≥ 0.5×: %@); %.1f s against %.1f s", ratio, ratio >= 0.5 ? "met" : "NOT met",
                bulkSeconds, rawSeconds)))
    let step = median(incremental) * 1000
    print(
        String(
            format: "incremental sync of one new event: median %.2f ms of 20 (goal ≤ 5 ms: %@)", step,
            step <= 5 ? "met" : "NOT met"))
    print(
        String(
            format:
                "as-of query on PostgreSQL (top 20 by one metric, random position): p50 %.1f ms, p99 %.1f ms (goal p50 ≤ 10 ms: %@)",
            p50, p99, p50 <= 10 ? "met" : "NOT met"))
    try FileManager.default.removeItem(atPath: directory)
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
