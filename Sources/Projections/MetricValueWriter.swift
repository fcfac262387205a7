import Dispatch
import JSON
import Platform
import SQLiteKit

/// Pass two of a rebuild's metric tables (`MetricSetRebuild`): reads `backtest_metric_sets` in position order one
/// bucket at a time and writes each bucket's numbers into `backtest_metric_values`, grouped by (formula, metric)
/// and sorted by (value, backtest, valid_from) within a group, with each group's rowid range in
/// `backtest_metric_value_ranges`. Only one bucket's numbers are in memory at once.
struct MetricValueWriter {
    private struct SetRow {
        let backtest: Int32
        let formula: Int32
        let validFrom: Int64
        let validTo: Int64?
    }

    /// A number of the bucket as read: its set (index into the bucket's sets) and metric.
    private struct Number {
        let set: Int32
        let metric: Int32
        let value: Double
    }

    /// One row of `backtest_metric_values` in write order.
    private struct ValueRow {
        let value: Double
        let backtest: Int32
        let set: Int32
    }

    private let db: SQLiteConnection
    private var metrics = NameKeys()
    /// Member names of the previous set with their keys: sets of one formula list the same names in the same
    /// order, so a byte comparison usually replaces a dictionary look-up.
    private var recentNames: [(bytes: [UInt8], key: Int32)] = []
    private let insertMetric: SQLiteStatement
    private let insertValue: SQLiteStatement
    private let insertRange: SQLiteStatement
    private var rowid: Int64
    private var wroteValues = false

    init(_ db: SQLiteConnection) throws {
        self.db = db
        insertMetric = try db.prepare("INSERT INTO metric_names (metric_key, metric) VALUES (?, ?)")
        insertValue = try db.prepare(
            "INSERT INTO backtest_metric_values (formula_key, metric_key, bucket, value, backtest_key, valid_from, valid_to) VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        insertRange = try db.prepare(
            "INSERT INTO backtest_metric_value_ranges (formula_key, metric_key, bucket, first_row, last_row) VALUES (?, ?, ?, ?, ?)"
        )
        let last = try db.prepare("SELECT max(rowid) FROM backtest_metric_values").rows().first?.first
        rowid = if case .integer(let value)? = last { value } else { 0 }
    }

    mutating func write() throws {
        let select = try db.prepare(
            "SELECT backtest_key, formula_key, valid_from, valid_to, metric_values FROM backtest_metric_sets ORDER BY rowid"
        )
        defer { select.reset() }
        var bucket: Int64?
        var sets: [SetRow] = []
        var numbers: [Number] = []
        while try select.step() {
            let set = SetRow(
                backtest: Int32(select.int64(0) ?? 0), formula: Int32(select.int64(1) ?? 0),
                validFrom: select.int64(2) ?? 0, validTo: select.int64(3))
            let setBucket = MetricValueBuckets.bucket(set.validFrom)
            if let current = bucket, current != setBucket {
                try writeBucket(current, sets, numbers)
                sets.removeAll(keepingCapacity: true)
                numbers.removeAll(keepingCapacity: true)
            }
            bucket = setBucket
            let index = Int32(sets.count)
            sets.append(set)
            try select.withBytes(4) { bytes in
                let reader = CanonicalJSONReader(bytes)
                var member = 0
                try reader.forEachMember(of: reader.root) { name, value in
                    defer { member += 1 }
                    guard let number = MetricOrder.orderable(reader, value) else { return }
                    numbers.append(Number(set: index, metric: try metricKey(name, at: member), value: number))
                }
            }
        }
        if let bucket { try writeBucket(bucket, sets, numbers) }
        if wroteValues, db.lastInsertedRowID != rowid {
            throw SQLiteError(
                code: 1, extendedCode: 1,
                message:
                    "backtest_metric_values: rows were given rowids up to \(db.lastInsertedRowID), not \(rowid); the recorded ranges would be wrong",
                sql: nil)
        }
    }

    private mutating func metricKey(_ name: UnsafeRawBufferPointer, at index: Int) throws -> Int32 {
        if index < recentNames.count, recentNames[index].bytes.elementsEqual(name) { return recentNames[index].key }
        let metric = try CanonicalJSONReader.unescaped(name)
        let known = metrics.names.count
        let key = metrics.key(metric)
        if metrics.names.count > known { try insertMetric.run([.integer(Int64(key)), .text(metric)]) }
        let entry = (Array(name), key)
        if index < recentNames.count { recentNames[index] = entry } else { recentNames.append(entry) }
        return key
    }

    /// Groups the bucket's numbers by (formula, metric) with a counting pass, sorts each group on every core,
    /// and writes the groups in (formula, metric) order, so the file's layout depends on the log alone.
    private mutating func writeBucket(_ bucket: Int64, _ sets: [SetRow], _ numbers: [Number]) throws {
        var groupIDs: [Int64: Int] = [:]
        var groupOf = [Int32](repeating: 0, count: numbers.count)
        var counts: [Int] = []
        for (index, number) in numbers.enumerated() {
            let group = Int64(sets[Int(number.set)].formula) << 32 | Int64(number.metric)
            let id: Int
            if let known = groupIDs[group] {
                id = known
            } else {
                id = counts.count
                groupIDs[group] = id
                counts.append(0)
            }
            counts[id] += 1
            groupOf[index] = Int32(id)
        }
        let ordered = groupIDs.sorted { $0.key < $1.key }
        var starts = [Int](repeating: 0, count: counts.count)
        var next = 0
        let groups = ordered.map { group, id -> (group: Int64, rows: Range<Int>) in
            starts[id] = next
            next += counts[id]
            return (group, starts[id]..<next)
        }
        var rows = [ValueRow](repeating: ValueRow(value: 0, backtest: 0, set: 0), count: numbers.count)
        for (index, number) in numbers.enumerated() {
            let id = Int(groupOf[index])
            rows[starts[id]] = ValueRow(value: number.value, backtest: sets[Int(number.set)].backtest, set: number.set)
            starts[id] += 1
        }
        let ranges = groups.map(\.rows)
        rows.withUnsafeMutableBufferPointer { buffer in
            let shared = DisjointWrites(buffer)
            DispatchQueue.concurrentPerform(iterations: ranges.count) { group in
                // Sets are read in position order, so the set index orders valid_from among equal values and
                // backtests.
                var slice = UnsafeMutableBufferPointer(rebasing: shared.buffer[ranges[group]])
                slice.sort { left, right in
                    if left.value != right.value { return left.value < right.value }
                    if left.backtest != right.backtest { return left.backtest < right.backtest }
                    return left.set < right.set
                }
            }
        }
        for (group, range) in groups {
            let formula = group >> 32
            let metric = group & 0xFFFF_FFFF
            try insertRange.run([
                .integer(formula), .integer(metric), .integer(bucket), .integer(rowid + 1),
                .integer(rowid + Int64(range.count)),
            ])
            try insertValue.bind(formula, at: 1)
            try insertValue.bind(metric, at: 2)
            try insertValue.bind(bucket, at: 3)
            for row in rows[range] {
                let set = sets[Int(row.set)]
                try insertValue.bind(row.value, at: 4)
                try insertValue.bind(Int64(row.backtest), at: 5)
                try insertValue.bind(set.validFrom, at: 6)
                if let validTo = set.validTo {
                    try insertValue.bind(validTo, at: 7)
                } else {
                    try insertValue.bindNull(at: 7)
                }
                try insertValue.execute()
            }
            rowid += Int64(range.count)
            wroteValues = true
        }
    }
}
