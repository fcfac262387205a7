/// Receives rows field by field, in a table's column order: how a copy of the read models elsewhere (a
/// PostgreSQL `COPY`) is fed without building a value per field.
public protocol RowSink {
    mutating func null()
    mutating func integer(_ value: Int64)
    mutating func real(_ value: Double)
    mutating func text(_ bytes: UnsafeRawBufferPointer)
    mutating func endRow()
}

/// A read-model table as a copy elsewhere holds it, and how the events after a position change it. Every table
/// the projector writes is here (`projection_state` aside: a copy keeps its own checkpoint).
public struct MirroredTable: Sendable, Equatable {
    public enum Change: Sendable, Equatable {
        /// Versions: events add rows (by `valid_from`) and close rows (by `valid_to`); a closed version is
        /// found by its key columns and `valid_from`.
        case versioned(keys: [String])
        /// One row per event, by `position`; never changed.
        case appended
        /// One row per key, rewritten when an event moves its `last_position`.
        case upserted(key: String)
        /// One row per number of each metric set version, closed with its set: the copy derives it from
        /// `backtest_metric_sets`, as SQLite does.
        case derivedFromMetricSets
        /// One row per name some metric set used: a few dozen rows, sent whole whenever sets were added and
        /// kept once per name.
        case named(key: String)
    }

    public let name: String
    public let columns: [String]
    public let change: Change
    /// The FROM clause of the table's rows in SQLite, and how its columns are named there.
    let from: String
    let selectList: [String]
    /// The SQLite column of the position that added a row (`valid_from`, `position`, `last_position`).
    let addedAt: String
    /// The same for the position that closed a version.
    let closedAt: String
    let openedAt: String

    init(_ name: String, _ columns: [String], _ change: Change) {
        self.name = name
        self.columns = columns
        self.change = change
        switch change {
        case .versioned, .appended, .upserted, .named:
            from = name
            selectList = columns
        case .derivedFromMetricSets:
            from = Self.metricSetsFrom
            selectList = ["k.backtest_id", "f.formula", "s.valid_from", "s.valid_to", "s.metric_values"]
        }
        let qualifier = change == .derivedFromMetricSets ? "s." : ""
        switch change {
        case .versioned, .derivedFromMetricSets: addedAt = qualifier + "valid_from"
        case .appended: addedAt = "position"
        case .upserted: addedAt = "last_position"
        case .named: addedAt = ""
        }
        closedAt = qualifier + "valid_to"
        openedAt = qualifier + "valid_from"
    }

    /// The metric sets with their backtest and formula by name, as a copy keys them.
    private init(metricSets columns: [String]) {
        name = "backtest_metric_sets"
        self.columns = columns
        change = .versioned(keys: ["backtest_id", "formula"])
        from = Self.metricSetsFrom
        selectList = [
            "k.backtest_id", "f.formula", "s.valid_from", "s.valid_to", "s.runtime_position", "s.metric_values",
        ]
        addedAt = "s.valid_from"
        closedAt = "s.valid_to"
        openedAt = "s.valid_from"
    }

    private static let metricSetsFrom = """
        backtest_metric_sets s JOIN backtest_keys k ON k.backtest_key = s.backtest_key
        JOIN metric_formulas f ON f.formula_key = s.formula_key
        """

    /// The SQLite names of the closing columns (the key columns, then valid_from and valid_to).
    var closingSelectList: [String]? {
        switch change {
        case .versioned(let keys):
            from == name ? keys + ["valid_from", "valid_to"] : ["k.backtest_id", "f.formula", openedAt, closedAt]
        case .derivedFromMetricSets: ["k.backtest_id", "f.formula", "s.valid_from", "s.valid_to"]
        case .appended, .upserted, .named: nil
        }
    }

    /// The key columns of a closed version, then `valid_from` and `valid_to` (nil for tables without versions).
    public var closingColumns: [String]? {
        switch change {
        case .versioned(let keys): keys + ["valid_from", "valid_to"]
        case .derivedFromMetricSets: ["backtest_id", "formula", "valid_from", "valid_to"]
        case .appended, .upserted, .named: nil
        }
    }

    static func versioned(_ name: String, keys: [String], values: [String]) -> MirroredTable {
        MirroredTable(name, keys + values + ["valid_from", "valid_to"], .versioned(keys: keys))
    }

    /// Every mirrored table, in the order a copy applies them.
    public static let all: [MirroredTable] = [
        .versioned(
            "labs", keys: ["lab_id"],
            values: ["name", "script_id", "status", "scheduled_backtests", "completed_backtests"]),
        .versioned(
            "backtests", keys: ["backtest_id"],
            values: [
                "lab_id", "generation", "population", "market", "script_id", "script_name", "started_at", "ended_at",
                "parameters",
            ] + ReportedColumns.all.map(\.column) + [
                "runtime_position", "account_id", "leverage", "interval", "script_version",
            ]),
        MirroredTable(
            metricSets: ["backtest_id", "formula", "valid_from", "valid_to", "runtime_position", "metric_values"]),
        MirroredTable(
            "backtest_metric_values", ["formula", "metric", "value", "backtest_id", "valid_from", "valid_to"],
            .derivedFromMetricSets),
        .versioned(
            "history_cutoffs", keys: ["market"],
            values: ["status", "synched", "max_months", "cutoff", "method", "precision"]),
        .versioned(
            "scripts", keys: ["script_id"],
            values: ["name", "type", "compiled", "valid", "version", "source_bytes", "updated_at"]),
        .versioned(
            "sweeps", keys: ["sweep_id"],
            values: [
                "script_id", "market", "objective", "direction", "formula", "sampler", "seed", "budget", "definition",
                "started_at", "state", "told", "best_trial", "best_objective", "stop_reason",
            ]),
        .versioned(
            "sweep_trials", keys: ["sweep_id", "trial"],
            values: ["backtest_id", "parameters", "method", "informed_by", "state", "objective", "broken", "reason"]),
        MirroredTable(
            "executions",
            [
                "lab_id", "backtest_id", "position", "recorded_at", "step", "status", "progress",
                "completed_backtests", "scheduled_backtests", "detail",
            ], .appended),
        MirroredTable(
            "fetches",
            [
                "position", "run_id", "channel", "subject", "http_status", "success", "failure", "latency_us",
                "body_hash", "recorded_at",
            ], .appended),
        MirroredTable(
            "imported_files",
            [
                "position", "run_id", "path", "kind", "sha256", "bytes", "modified_at", "status", "reason",
                "recorded_at",
            ],
            .appended),
        MirroredTable(
            "cache_index",
            ["blob_hash", "kind", "subject", "bytes", "first_position", "last_position", "fetch_count"],
            .upserted(key: "blob_hash")),
        MirroredTable("metric_formulas", ["formula"], .named(key: "formula")),
        MirroredTable("metric_names", ["metric"], .named(key: "metric")),
    ]
}
