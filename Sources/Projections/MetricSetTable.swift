import EventLog
import JSON
import SQLiteKit

/// Applies `metrics.computed` events one at a time (catch-up): a new set version when the values differ from
/// the current one, which it closes; the new set's numbers are marked `caught_up`, as they land after the
/// sorted rows of the last rebuild.
final class MetricSetTable {
    private let backtests: KeyTable
    private let formulas: KeyTable
    private let metrics: KeyTable
    private let currentSet: SQLiteStatement
    private let closeSet: SQLiteStatement
    private let insertSet: SQLiteStatement
    private let insertValue: SQLiteStatement

    init(_ db: SQLiteConnection) throws {
        backtests = try KeyTable(db, table: "backtest_keys", key: "backtest_key", name: "backtest_id")
        formulas = try KeyTable(db, table: "metric_formulas", key: "formula_key", name: "formula")
        metrics = try KeyTable(db, table: "metric_names", key: "metric_key", name: "metric")
        currentSet = try db.prepare(
            "SELECT valid_from, metric_values FROM backtest_metric_sets WHERE backtest_key = ? AND formula_key = ? AND valid_to IS NULL"
        )
        closeSet = try db.prepare(
            "UPDATE backtest_metric_sets SET valid_to = ? WHERE backtest_key = ? AND formula_key = ? AND valid_from = ?")
        insertSet = try db.prepare(
            "INSERT INTO backtest_metric_sets (backtest_key, formula_key, valid_from, valid_to, runtime_position, metric_values) VALUES (?, ?, ?, NULL, ?, ?)"
        )
        insertValue = try db.prepare(
            "INSERT INTO backtest_metric_values (formula_key, metric_key, bucket, value, backtest_key, valid_from, caught_up) VALUES (?, ?, ?, ?, ?, ?, 1)"
        )
    }

    /// Forgets cached keys: a rolled-back transaction may have taken keys back.
    func forgetKeys() {
        for table in [backtests, formulas, metrics] { table.cache.removeAll() }
    }

    func apply(payload: UnsafeRawBufferPointer, position: UInt64, runtimePosition: UInt64?) throws {
        let reader = CanonicalJSONReader(payload)
        guard let event = try MetricsComputed.read(reader) else { return }
        let backtest = try backtests.key(event.backtestID)
        let formula = try formulas.key(event.formula)
        let values = reader.slice(event.values)
        let current: (validFrom: Int64, unchanged: Bool)? = try {
            defer { currentSet.reset() }
            try currentSet.bind([.integer(backtest), .integer(formula)])
            guard try currentSet.step(), let validFrom = currentSet.int64(0) else { return nil }
            return (validFrom, currentSet.withBytes(1) { $0.elementsEqual(values) } ?? false)
        }()
        if let current {
            if current.unchanged { return }
            try closeSet.run([
                .integer(Int64(position)), .integer(backtest), .integer(formula), .integer(current.validFrom),
            ])
        }
        let from = Int64(position)
        try insertSet.bind(backtest, at: 1)
        try insertSet.bind(formula, at: 2)
        try insertSet.bind(from, at: 3)
        try insertSet.bind(Int64(runtimePosition ?? 0), at: 4)
        try insertSet.bind(text: values, at: 5)
        try insertSet.execute()
        try reader.forEachMember(of: event.values) { name, value in
            guard let number = MetricOrder.orderable(reader, value) else { return }
            try insertValue.run([
                .integer(formula), .integer(try metrics.key(try CanonicalJSONReader.unescaped(name))),
                .integer(MetricValueBuckets.bucket(from)), .real(number), .integer(backtest), .integer(from),
            ])
        }
    }
}

/// A name → key table (`backtest_keys`, `metric_formulas`, `metric_names`), adding names as they appear.
private final class KeyTable {
    private let find: SQLiteStatement
    private let insert: SQLiteStatement
    private let db: SQLiteConnection
    var cache: [String: Int64] = [:]

    init(_ db: SQLiteConnection, table: String, key: String, name: String) throws {
        self.db = db
        find = try db.prepare("SELECT \(key) FROM \(table) WHERE \(name) = ?")
        insert = try db.prepare("INSERT INTO \(table) (\(name)) VALUES (?)")
    }

    func key(_ name: String) throws -> Int64 {
        if let key = cache[name] { return key }
        let key: Int64
        if case .integer(let found)? = try find.rows([.text(name)]).first?.first {
            key = found
        } else {
            try insert.run([.text(name)])
            key = db.lastInsertedRowID
        }
        cache[name] = key
        return key
    }
}
