import EventLog
import JSON
import LedgerEvents
import SQLiteKit

/// Applies log events to the read models. One SQLite transaction per batch holds both the rows and the
/// checkpoint (`projection_state`), so a crash never leaves rows without the position that produced them.
public final class Projector {
    public static let name = "read_models"
    let db: SQLiteConnection
    private let labs: VersionedTable
    private let backtests: VersionedTable
    private let metricSets: MetricSetTable
    private let cutoffs: VersionedTable
    private let scripts: VersionedTable
    private let executions: ExecutionTimeline
    private let sweepTables: SweepTables
    private let fetch: SQLiteStatement
    private let cacheUpsert: SQLiteStatement
    private let importedFile: SQLiteStatement
    private let checkpoint: SQLiteStatement
    /// Set by a rebuild, which builds the metric tables from `metrics.computed` on another thread
    /// (`MetricSetRebuild`): this projector then leaves those events alone.
    var leavesMetricsToReplay = false

    public init(_ db: SQLiteConnection) throws {
        self.db = db
        labs = try VersionedTable(
            db, name: "labs", keys: ["lab_id"],
            values: ["name", "script_id", "status", "scheduled_backtests", "completed_backtests"])
        backtests = try VersionedTable(
            db, name: "backtests", keys: ["backtest_id"],
            values: [
                "lab_id", "generation", "population", "market", "script_id", "script_name", "started_at", "ended_at",
                "parameters",
            ] + ReportedColumns.all.map(\.column) + [
                "runtime_position", "account_id", "leverage", "interval", "script_version",
            ])
        metricSets = try MetricSetTable(db)
        cutoffs = try VersionedTable(
            db, name: "history_cutoffs", keys: ["market"],
            values: ["status", "synched", "max_months", "cutoff", "method", "precision"])
        scripts = try VersionedTable(
            db, name: "scripts", keys: ["script_id"],
            values: ["name", "type", "compiled", "valid", "version", "source_bytes", "updated_at"])
        executions = try ExecutionTimeline(db)
        sweepTables = try SweepTables(db)
        fetch = try db.prepare(
            "INSERT INTO fetches (position, run_id, channel, subject, http_status, success, failure, latency_us, body_hash, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        cacheUpsert = try db.prepare(
            """
            INSERT INTO cache_index (blob_hash, kind, subject, bytes, first_position, last_position, fetch_count)
            VALUES (?, ?, ?, ?, ?, ?, 1)
            ON CONFLICT (blob_hash) DO UPDATE SET last_position = excluded.last_position, fetch_count = fetch_count + 1
            """)
        importedFile = try db.prepare(
            """
            INSERT INTO imported_files (position, run_id, path, kind, sha256, bytes, modified_at, status, reason,
                recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        checkpoint = try db.prepare(
            """
            INSERT INTO projection_state (name, position, recorded_at, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET position = excluded.position, recorded_at = excluded.recorded_at,
                updated_at = excluded.updated_at
            """)
    }

    /// For a replay into an empty file: versioned tables keep their current rows in memory until `endBulk`.
    /// How many keys of each versioned table a bulk replay keeps in memory (`VersionedTable`).
    public static let bulkKeysInMemory = 50_000

    public func beginBulk(keysInMemory: Int = Projector.bulkKeysInMemory) {
        for table in [labs, backtests, cutoffs, scripts, sweepTables.sweeps, sweepTables.trials] {
            table.beginBulk(keysInMemory: keysInMemory)
        }
    }

    /// Each versioned table's key columns: the index that starts with them stays during a bulk replay.
    public var keyIndexColumns: [String: [String]] {
        Dictionary(
            [labs, backtests, cutoffs, scripts, sweepTables.sweeps, sweepTables.trials].map {
                ($0.name, $0.keyColumns)
            }, uniquingKeysWith: { first, _ in first })
    }

    public func endBulk() {
        for table in [labs, backtests, cutoffs, scripts, sweepTables.sweeps, sweepTables.trials] { table.endBulk() }
    }

    /// The last position applied (0 for an empty read model).
    public func position() throws -> UInt64 {
        let rows = try db.prepare("SELECT position FROM projection_state WHERE name = ?").rows([.text(Projector.name)])
        if case .integer(let position)? = rows.first?.first { return UInt64(position) }
        return 0
    }

    /// The event at the checkpoint must still be in the log, recorded when the checkpoint says: otherwise the log
    /// was truncated, emptied or replaced under read models that would go on answering from events it no
    /// longer holds.
    private func checkTheLogStillHoldsWhatWasApplied(_ log: EventLog) throws {
        let rows = try db.prepare("SELECT position, recorded_at FROM projection_state WHERE name = ?").rows([
            .text(Projector.name)
        ])
        guard case .integer(let applied)? = rows.first?.first, applied > 0 else { return }
        let checkpointTime: Int64? = if case .integer(let time)? = rows.first?.last { time } else { nil }
        let found = try log.read { reader in
            (try reader.event(at: UInt64(applied))?.recordedAt, try reader.head()?.position ?? 0)
        }
        guard let recordedAt = found.0 else {
            throw ReadModelMismatch.logBehind(applied: UInt64(applied), head: found.1)
        }
        if let checkpointTime, checkpointTime != recordedAt {
            throw ReadModelMismatch.logReplaced(position: UInt64(applied))
        }
    }

    /// Applies every event after the checkpoint up to `through`, in batches; returns how many were applied.
    @discardableResult
    public func catchUp(
        from log: EventLog, through: UInt64 = .max, batchSize: Int = 20_000, afterBatch: (UInt64) -> Void = { _ in }
    ) throws -> Int {
        try checkTheLogStillHoldsWhatWasApplied(log)
        var applied = 0
        while true {
            let start = try position() + 1
            metricSets.forgetKeys()
            var batch: [RecordedEvent] = []
            var last: (position: UInt64, recordedAt: Int64)?
            var seen = 0
            try log.read { reader in
                try reader.forEachView(from: start, through: through) { view in
                    // Only events a read model uses are decoded (a rebuild skips half the log this way).
                    if try view.withTypeBytes({ self.applies(to: $0) }) { batch.append(try view.decoded()) }
                    last = (view.position, view.recordedAt)
                    seen += 1
                    return seen < batchSize
                }
                // The batch is decoded: what it mapped in need not stay resident (a rebuild walks the whole log).
                if seen >= batchSize { reader.releaseMappedPages() }
            }
            guard let last else { return applied }
            try db.transaction {
                for event in batch { try apply(event) }
                try checkpoint.run([
                    .text(Projector.name), .integer(Int64(last.position)), .integer(last.recordedAt),
                    .integer(last.recordedAt),
                ])
            }
            applied += seen
            afterBatch(last.position)
        }
    }

    /// `backtests` columns a runtime speaks for, by payload member; a member it lacks sets the column to NULL.
    private static let runtimeMembers = [
        "lab_id", "market", "script_id", "script_name", "started_at", "ended_at", "account_id", "leverage",
        "script_version",
    ]

    private lazy var runtimeColumns: [String: Int] = columnIndexes(Projector.runtimeMembers.map { ($0, $0) })
    private lazy var reportedColumns: [String: Int] = columnIndexes(ReportedColumns.all.map { ($0.field, $0.column) })
    private lazy var runtimePositionColumn = backtests.valueColumns.firstIndex(of: "runtime_position")
    private lazy var parametersColumn = backtests.valueColumns.firstIndex(of: "parameters")
    private lazy var runtimeNullColumns = Array(runtimeColumns.values) + Array(reportedColumns.values)

    private func columnIndexes(_ pairs: [(member: String, column: String)]) -> [String: Int] {
        Dictionary(
            uniqueKeysWithValues: pairs.compactMap { pair in
                backtests.valueColumns.firstIndex(of: pair.column).map { (pair.member, $0) }
            })
    }

    private func applyRuntime(_ reader: CanonicalJSONReader, position: UInt64) throws {
        var values = [SQLiteValue?](repeating: nil, count: backtests.valueColumns.count)
        for index in runtimeNullColumns { values[index] = .null }
        var backtest: String?
        try reader.forEachMember(of: reader.root) { name, value in
            let member = String(decoding: name, as: UTF8.self)
            if member == "backtest_id" {
                backtest = try reader.string(value)
            } else if member == "reported" {
                guard reader.isObject(value) else { return }
                try reader.forEachMember(of: value) { name, value in
                    if let index = reportedColumns[String(decoding: name, as: UTF8.self)] {
                        values[index] = try SQLiteValue(storedJSON: value, in: reader)
                    }
                }
            } else if let index = runtimeColumns[member] {
                values[index] = try SQLiteValue(storedJSON: value, in: reader)
            } else if member == "parameters", let index = parametersColumn {
                // A direct backtest's runtime carries the parameters it was asked for; a lab's result record
                // does for lab backtests (their runtimes carry none, and leave the column as it is).
                values[index] = try SQLiteValue(storedJSON: value, in: reader)
            }
        }
        guard let backtest else { return }
        if let index = runtimePositionColumn { values[index] = .integer(Int64(position)) }
        try backtests.merge(key: [.text(backtest)], values: values, position: position)
    }

    /// The event types `apply` handles.
    static let appliedTypes: [[UInt8]] =
        [
            EventType.labObserved, .resultObserved, .runtimeFetched, .metricsComputed, .labExecutionUpdated,
            .historyStatusObserved, .cutoffRecorded, .fileImported, .importFailed, .responseRecorded, .scriptObserved,
        ].map(\.nameBytes) + ExecutionTimeline.types.map(\.nameBytes) + SweepTables.types.map(\.nameBytes)

    private static let metricsType = EventType.metricsComputed.nameBytes

    func applies(to type: UnsafeRawBufferPointer) -> Bool {
        if leavesMetricsToReplay, type.elementsEqual(Projector.metricsType) { return false }
        return Projector.appliedTypes.contains { type.elementsEqual($0) }
    }

    func apply(_ event: RecordedEvent) throws {
        let position = event.position
        switch event.type {
        case EventType.labObserved.name:
            let json = try event.currentPayload()
            guard let lab = json["lab_id"]?.stringValue else { return }
            var changes: [String: SQLiteValue] = [:]
            for (column, field) in [("name", "name"), ("script_id", "script_id")] {
                if let value = json[field] { changes[column] = .init(value) }
            }
            for (column, field) in [
                ("status", "status"), ("scheduled_backtests", "scheduled_backtests"),
                ("completed_backtests", "completed_backtests"),
            ] {
                if let value = json[field], value != .null { changes[column] = .init(value) }
            }
            try labs.merge(key: [.text(lab)], changes: changes, position: position)
        case EventType.resultObserved.name:
            let json = try event.currentPayload()
            guard let backtest = json["backtest_id"]?.stringValue else { return }
            // A member the event does not carry is unknown (an import of a partial record), so the row keeps
            // what it had; a member carried as null is the server saying nothing.
            var changes: [String: SQLiteValue] = [:]
            for (column, field) in [("lab_id", "lab_id"), ("generation", "generation"), ("population", "population")] {
                if let value = json[field] { changes[column] = .init(value) }
            }
            if let parameters = json["parameters"] {
                changes["parameters"] = parameters == .null ? .null : .text(CanonicalJSON.string(parameters))
            }
            if let settings = json["settings"] { changes["interval"] = .init(settings["interval"] ?? .null) }
            try backtests.merge(key: [.text(backtest)], changes: changes, position: position)
        case EventType.runtimeFetched.name:
            try EventType.runtimeFetched.requireCurrent(event.schemaVersion)
            // Half of a typical log: read in place rather than as a tree.
            try event.payload.canonicalBytes.withUnsafeBytes {
                try applyRuntime(CanonicalJSONReader($0), position: position)
            }
        case EventType.metricsComputed.name:
            try EventType.metricsComputed.requireCurrent(event.schemaVersion)
            try event.payload.canonicalBytes.withUnsafeBytes {
                try metricSets.apply(payload: $0, position: position, runtimePosition: event.causation)
            }
        case EventType.labExecutionUpdated.name:
            let json = try event.currentPayload()
            guard let lab = json["lab_id"]?.stringValue else { return }
            try executions.labUpdate(event, json, lab: lab)
            // The lab is what its latest execution update says it is, as much as what GET_LABS last said.
            var changes: [String: SQLiteValue] = [:]
            for column in ["status", "completed_backtests", "scheduled_backtests"] {
                if let value = json[column], value != .null { changes[column] = .init(value) }
            }
            if !changes.isEmpty { try labs.merge(key: [.text(lab)], changes: changes, position: position) }
        case EventType.scriptObserved.name:
            let json = try event.currentPayload()
            guard let script = json["script_id"]?.stringValue else { return }
            var changes: [String: SQLiteValue] = [:]
            for (column, field) in [
                ("name", "name"), ("type", "type"), ("compiled", "compiled"), ("valid", "valid"),
                ("version", "source_sha256"), ("source_bytes", "source_bytes"), ("updated_at", "updated_at"),
            ] {
                // A listing carries no source: the version a record gave stays.
                if let value = json[field], value != .null { changes[column] = .init(value) }
            }
            try scripts.merge(key: [.text(script)], changes: changes, position: position)
        case EventType.historyStatusObserved.name:
            let json = try event.currentPayload()
            guard let market = json["market"]?.stringValue else { return }
            try cutoffs.merge(
                key: [.text(market)],
                changes: [
                    "status": .init(json["status"] ?? .null), "synched": .init(json["synched"] ?? .null),
                    "max_months": .init(json["max_months"] ?? .null),
                ],
                position: position)
        case EventType.cutoffRecorded.name:
            let json = try event.currentPayload()
            guard let market = json["market"]?.stringValue else { return }
            try cutoffs.merge(
                key: [.text(market)],
                changes: [
                    "cutoff": .init(json["cutoff"] ?? .null), "method": .init(json["method"] ?? .null),
                    "precision": json["precision_hours"]?.numberValue.map { .text("\($0.canonicalText) h") } ?? .null,
                ],
                position: position)
        case EventType.fileImported.name, EventType.importFailed.name:
            let json = try event.currentPayload()
            let imported = event.type == EventType.fileImported.name
            try importedFile.run([
                .integer(Int64(position)), event.correlationID.map { .text($0.description) } ?? .null,
                .init(json["path"] ?? .string(event.source)), .init(json["kind"] ?? .null),
                .init(json["sha256"] ?? .null), .init(json["bytes"] ?? .null),
                event.observedAt.map(SQLiteValue.integer) ?? .null,
                .text(imported ? "imported" : "failed"), .init(json["reason"] ?? .null), .integer(event.recordedAt),
            ])
            guard imported, let hash = json["sha256"]?.stringValue else { return }
            try cacheUpsert.run([
                .text(hash), .init(json["kind"] ?? .null), .init(json["path"] ?? .string(event.stream)),
                .init(json["bytes"] ?? .null), .integer(Int64(position)), .integer(Int64(position)),
            ])
        case EventType.responseRecorded.name:
            let json = try event.currentPayload()
            let channel = json["channel"]?.stringValue ?? "?"
            let bodyHash = json["body_sha256"]?.stringValue
            try fetch.run([
                .integer(Int64(position)), event.correlationID.map { .text($0.description) } ?? .null, .text(channel),
                .text(event.stream), .init(json["http_status"] ?? .null), .init(json["envelope_success"] ?? .null),
                .init(json["failure"] ?? .null), .init(json["latency_us"] ?? .null),
                bodyHash.map(SQLiteValue.text) ?? .null,
                .integer(event.recordedAt),
            ])
            if let bodyHash {
                try cacheUpsert.run([
                    .text(bodyHash), .text(channel), .text(event.stream), .init(json["body_bytes"] ?? .null),
                    .integer(Int64(position)), .integer(Int64(position)),
                ])
            }
        default:
            if try !executions.apply(event) { _ = try sweepTables.apply(event) }
        }
    }
}

/// The server's reported values as columns of `backtests` (payload field → column).
enum ReportedColumns {
    static let all: [(field: String, column: String)] = [
        ("roi", "reported_roi"), ("realized_profits", "reported_realized_profits"),
        ("gross_profits", "reported_gross_profits"), ("roi_margin", "reported_roi_margin"),
        ("price_change_pct", "reported_price_change_pct"), ("total_fee_costs", "reported_total_fee_costs"),
        ("sharpe", "reported_sharpe"), ("sortino", "reported_sortino"), ("profit_factor", "reported_profit_factor"),
        ("win_percentage", "reported_win_percentage"), ("closed_positions", "reported_closed_positions"),
        ("winning_positions", "reported_winning_positions"),
    ]
}

extension SQLiteValue {
    /// The same as `init(_ json:)` for a value of stored canonical JSON, read in place.
    init(storedJSON value: Range<Int>, in reader: CanonicalJSONReader) throws {
        let bytes = reader.slice(value)
        switch bytes.first {
        case UInt8(ascii: "\""): self = .text(try reader.string(value) ?? "")
        case UInt8(ascii: "{"), UInt8(ascii: "["): self = .text(String(decoding: bytes, as: UTF8.self))
        case UInt8(ascii: "t"): self = .integer(1)
        case UInt8(ascii: "f"): self = .integer(0)
        case UInt8(ascii: "n"), nil: self = .null
        default:
            let text = String(decoding: bytes, as: UTF8.self)
            if let integer = Int64(text) {
                self = .integer(integer)
            } else {
                self = .real(reader.double(value) ?? Double(text) ?? .nan)
            }
        }
    }

    /// A payload value as a column value: numbers as integers when whole, objects and arrays as canonical JSON.
    init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let flag): self = .integer(flag ? 1 : 0)
        case .number(let number):
            if let integer = number.int64Value { self = .integer(integer) } else { self = .real(number.doubleValue) }
        case .string(let text): self = .text(text)
        case .array, .object: self = .text(CanonicalJSON.string(json))
        }
    }
}
