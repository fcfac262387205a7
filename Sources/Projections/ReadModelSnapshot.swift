import JSON
import SQLiteKit

/// The read models at one position, read in one SQLite read transaction, so every table is seen as of the same
/// checkpoint however the projector (of this or another process) goes on writing. It lists what the events
/// after an earlier position changed: the rows they added and the versions they closed.
public final class ReadModelSnapshot {
    private let db: SQLiteConnection
    /// The position the read models had reached, and when that event was recorded (nil at 0).
    public let position: UInt64
    public let recordedAt: Int64?

    /// Opens the read-model file at `path` read-only and starts the read transaction.
    public init(path: String) throws {
        db = try SQLiteConnection(path: path, mode: .readOnly)
        try db.execute("BEGIN")
        let rows = try db.prepare("SELECT position, recorded_at FROM projection_state WHERE name = ?").rows([
            .text(Projector.name)
        ])
        position = rows.first?.first?.integerValue.map { UInt64($0) } ?? 0
        recordedAt = rows.first?.last?.integerValue
    }

    deinit { try? db.execute("COMMIT") }

    /// The rows of `table` added by the events in (after, position], in its `columns` order (every row of a
    /// table of names).
    public func addedRows(_ table: MirroredTable, after: UInt64) throws -> ChangedRows {
        let select = "SELECT \(table.selectList.joined(separator: ", ")) FROM \(table.from)"
        if case .named = table.change { return ChangedRows(try db.prepare(select), shape: .columns) }
        let statement = try db.prepare(select + " WHERE \(table.addedAt) > ?1 AND \(table.addedAt) <= ?2")
        try statement.bind([.integer(Int64(after)), .integer(Int64(position))])
        return ChangedRows(statement, shape: table.change == .derivedFromMetricSets ? .metricValues : .columns)
    }

    /// The versions of `table` open at `after` and closed by an event up to the position, as `closingColumns`;
    /// nil for tables without versions.
    public func closedRows(_ table: MirroredTable, after: UInt64) throws -> ChangedRows? {
        guard let selected = table.closingSelectList else { return nil }
        let statement = try db.prepare(
            """
            SELECT \(selected.joined(separator: ", ")) FROM \(table.from)
            WHERE \(table.closedAt) > ?1 AND \(table.closedAt) <= ?2 AND \(table.openedAt) <= ?1
            """)
        try statement.bind([.integer(Int64(after)), .integer(Int64(position))])
        return ChangedRows(statement, shape: .columns)
    }
}

/// A cursor over changed rows, read a batch at a time into a `RowSink`, so a copy of a million rows holds one
/// batch in memory.
public final class ChangedRows {
    enum Shape {
        /// The statement's columns as they are.
        case columns
        /// A metric set row (backtest_id, formula, valid_from, valid_to, metric_values) as one row per
        /// orderable number: formula, metric, value, backtest_id, valid_from, valid_to.
        case metricValues
    }

    private let statement: SQLiteStatement
    private let shape: Shape
    /// The result of a step taken ahead (by `isEmpty`) and not yet written.
    private var pending: Bool?

    init(_ statement: SQLiteStatement, shape: Shape) {
        self.statement = statement
        self.shape = shape
    }

    /// True when there is no row at all (checked before the first batch: an empty change costs no round trip).
    public func isEmpty() throws -> Bool {
        if pending == nil { pending = try statement.step() }
        return pending == false
    }

    /// Writes up to `limit` source rows into `sink`; false once there were none left to write.
    public func next(limit: Int, into sink: inout some RowSink) throws -> Bool {
        var taken = 0
        while taken < limit {
            let hasRow: Bool
            if let waiting = pending {
                hasRow = waiting
                pending = hasRow ? nil : false
            } else {
                hasRow = try statement.step()
                if !hasRow { pending = false }
            }
            guard hasRow else { return taken > 0 }
            switch shape {
            case .columns:
                for column in 0..<statement.columnCount { copy(column, to: &sink) }
                sink.endRow()
            case .metricValues: try copyMetricValues(to: &sink)
            }
            taken += 1
        }
        return true
    }

    private func copyMetricValues(to sink: inout some RowSink) throws {
        try statement.withBytes(4) { bytes in
            let reader = CanonicalJSONReader(bytes)
            try reader.forEachMember(of: reader.root) { name, value in
                guard let number = MetricOrder.orderable(reader, value) else { return }
                copy(1, to: &sink)
                var metric = try CanonicalJSONReader.unescaped(name)
                metric.withUTF8 { sink.text(UnsafeRawBufferPointer($0)) }
                sink.real(number)
                for column in [0, 2, 3] { copy(column, to: &sink) }
                sink.endRow()
            }
        }
    }

    private func copy(_ column: Int, to sink: inout some RowSink) {
        switch statement.storageClass(column) {
        case .null: sink.null()
        case .integer: sink.integer(statement.int64(column) ?? 0)
        case .real: sink.real(statement.double(column) ?? 0)
        case .text, .blob: _ = statement.withBytes(column) { sink.text($0) }
        }
    }
}
