import Dispatch
import EventLog
import JSON
import LedgerEvents
import Platform
import SQLiteKit

/// What the read models take from a `metrics.computed` payload, read in place.
struct MetricsComputed {
    let backtestID: String
    let formula: String
    /// The byte range of the `values` object: stored as the set's `metric_values`, compared to tell whether
    /// anything changed (canonical JSON spells equal values with equal bytes).
    let values: Range<Int>

    /// Nil when the payload names no backtest, formula or values object (it concerns no read model).
    static func read(_ reader: CanonicalJSONReader) throws -> MetricsComputed? {
        var backtest: Range<Int>?
        var formula: Range<Int>?
        var values: Range<Int>?
        try reader.forEachMember(of: reader.root) { name, value in
            if name.elementsEqual("backtest_id".utf8) {
                backtest = value
            } else if name.elementsEqual("formula".utf8) {
                formula = value
            } else if name.elementsEqual("values".utf8) {
                values = value
            }
        }
        guard let backtest, let formula, let values, reader.isObject(values),
            let backtestID = try reader.string(backtest), let formulaID = try reader.string(formula)
        else { return nil }
        return MetricsComputed(backtestID: backtestID, formula: formulaID, values: values)
    }
}

/// One metric of a stored set, as queries show it: the number when it is one, and its text as stored.
public typealias MetricEntry = (name: String, number: Double?, text: String)

enum MetricSetText {
    /// The metrics of a `metric_values` object in stored (name) order. Text is a number's canonical spelling
    /// or a string's value; other JSON (null, true…) has no number and empty text.
    static func entries(_ bytes: UnsafeRawBufferPointer) throws -> [MetricEntry] {
        let reader = CanonicalJSONReader(bytes)
        var entries: [MetricEntry] = []
        try reader.forEachMember(of: reader.root) { name, value in
            let metric = try CanonicalJSONReader.unescaped(name)
            if let number = reader.double(value) {
                entries.append((metric, number, String(decoding: reader.slice(value), as: UTF8.self)))
            } else {
                entries.append((metric, nil, try reader.string(value) ?? ""))
            }
        }
        return entries
    }

}

/// How metric values order and compare: numbers as numbers, `+inf` and `-inf` (stored as those strings) as the
/// infinities, and anything else (`undefined`) not at all: it fails every `--where` and sorts last in both
/// directions.
public enum MetricOrder {
    public static func orderable(number: Double?, text: String) -> Double? {
        if let number { return number }
        switch text {
        case "+inf": return .infinity
        case "-inf": return -.infinity
        default: return nil
        }
    }

    /// The orderable number of a stored value, read in place (the canonical spelling of the two strings is
    /// fixed, so their bytes are compared without decoding).
    static func orderable(_ reader: CanonicalJSONReader, _ value: Range<Int>) -> Double? {
        if let number = reader.double(value) { return number }
        let bytes = reader.slice(value)
        if bytes.elementsEqual(#""+inf""#.utf8) { return .infinity }
        if bytes.elementsEqual(#""-inf""#.utf8) { return -.infinity }
        return nil
    }
}

/// Small integer keys for names repeated millions of times, assigned 1, 2, 3… in first-seen order: the keys
/// SQLite's INTEGER PRIMARY KEY gives rows inserted in that order, so a rebuild and a catch-up agree.
struct NameKeys: Sendable {
    private(set) var names: [String] = []
    private var keys: [String: Int32] = [:]

    mutating func key(_ name: String) -> Int32 {
        if let key = keys[name] { return key }
        names.append(name)
        let key = Int32(names.count)
        keys[name] = key
        return key
    }
}

/// The bucket of a position in `backtest_metric_values` (migration 0008).
enum MetricValueBuckets {
    static let shift = 16
    static func bucket(_ position: Int64) -> Int64 { position >> Int64(shift) }
}

/// The metric read model of a rebuild, built in memory from the `metrics.computed` events and written once at
/// the end: set versions in key order, and numbers sorted by (formula, metric, bucket, value) with each group's
/// rowid range recorded, so no index has to be sorted after the fact. Runs beside the replay of every other
/// event (its own read transaction and thread), which is why it is a value that can cross threads.
struct MetricSetReplay: Sendable {
    private struct SetVersion {
        let backtest: Int32
        let formula: Int32
        let validFrom: Int64
        var validTo: Int64?
        let runtimePosition: Int64
        let textStart: Int
        let textCount: Int
        let numbersStart: Int
        let numbersCount: Int
    }

    private struct Number {
        let metric: Int32
        let value: Double
    }

    /// One row of `backtest_metric_values` in write order.
    private struct ValueRow {
        let value: Double
        let backtest: Int32
        let set: Int32
    }

    private struct Group: Hashable, Comparable {
        let formula: Int32
        let metric: Int32
        let bucket: Int64
        static func < (left: Group, right: Group) -> Bool {
            (left.formula, left.metric, left.bucket) < (right.formula, right.metric, right.bucket)
        }
    }

    private(set) var backtests = NameKeys()
    private(set) var formulas = NameKeys()
    private(set) var metrics = NameKeys()
    private var sets: [SetVersion] = []
    /// Every set's `metric_values`, back to back.
    private var text: [UInt8] = []
    /// Every set's numeric members, back to back.
    private var numbers: [Number] = []
    /// The open (current) set per backtest and formula: `backtest << 32 | formula` → index in `sets`.
    private var open: [Int64: Int] = [:]
    /// Member names of the previous event with their keys: payloads of one formula list the same names in the
    /// same order, so a byte comparison usually replaces a dictionary look-up.
    private var recentNames: [(bytes: [UInt8], key: Int32)] = []
    /// Filled by `sortValues`.
    private var groups: [(group: Group, rows: Range<Int>)] = []
    private var valueRows: [ValueRow] = []

    static let metricsType = EventType.metricsComputed.nameBytes

    /// Reads every `metrics.computed` event from position 1 through `through` and sorts the result.
    static func replay(log: EventLog, through: UInt64) throws -> MetricSetReplay {
        var replay = MetricSetReplay()
        try log.read { reader in
            var visited = 0
            try reader.forEachView(through: through) { view in
                visited += 1
                if visited % 100_000 == 0 { reader.releaseMappedPages() }
                let isMetrics = try view.withTypeBytes { $0.elementsEqual(MetricSetReplay.metricsType) }
                if isMetrics {
                    let position = view.position
                    let causation = view.causation
                    try view.withPayloadBytes {
                        try replay.apply(payload: $0, position: position, runtimePosition: causation)
                    }
                }
                return true
            }
        }
        replay.sortValues()
        return replay
    }

    mutating func apply(payload: UnsafeRawBufferPointer, position: UInt64, runtimePosition: UInt64?) throws {
        let reader = CanonicalJSONReader(payload)
        guard let event = try MetricsComputed.read(reader) else { return }
        let backtest = backtests.key(event.backtestID)
        let formula = formulas.key(event.formula)
        let setKey = Int64(backtest) << 32 | Int64(formula)
        let values = reader.slice(event.values)
        if let current = open[setKey] {
            let set = sets[current]
            let unchanged = text.withUnsafeBytes { stored in
                set.textCount == values.count
                    && UnsafeRawBufferPointer(rebasing: stored[set.textStart..<(set.textStart + set.textCount)])
                        .elementsEqual(values)
            }
            if unchanged { return }
            sets[current].validTo = Int64(position)
        }
        let numbersStart = numbers.count
        var index = 0
        try reader.forEachMember(of: event.values) { name, value in
            defer { index += 1 }
            guard let number = MetricOrder.orderable(reader, value) else { return }
            numbers.append(Number(metric: try metricKey(name, at: index), value: number))
        }
        open[setKey] = sets.count
        sets.append(
            SetVersion(
                backtest: backtest, formula: formula, validFrom: Int64(position), validTo: nil,
                runtimePosition: Int64(runtimePosition ?? 0), textStart: text.count, textCount: values.count,
                numbersStart: numbersStart, numbersCount: numbers.count - numbersStart))
        text.append(contentsOf: values)
    }

    private mutating func metricKey(_ name: UnsafeRawBufferPointer, at index: Int) throws -> Int32 {
        if index < recentNames.count, recentNames[index].bytes.elementsEqual(name) { return recentNames[index].key }
        let key = metrics.key(try CanonicalJSONReader.unescaped(name))
        let entry = (Array(name), key)
        if index < recentNames.count { recentNames[index] = entry } else { recentNames.append(entry) }
        return key
    }

    /// Orders the numbers: grouped by (formula, metric, bucket) with a counting pass, then each group sorted by
    /// (value, backtest, valid_from) on every core.
    mutating func sortValues() {
        var groupIDs: [Group: Int] = [:]
        var groupOf = [Int32](repeating: 0, count: numbers.count)
        var counts: [Int] = []
        for set in sets {
            let bucket = MetricValueBuckets.bucket(set.validFrom)
            for index in set.numbersStart..<(set.numbersStart + set.numbersCount) {
                let group = Group(formula: set.formula, metric: numbers[index].metric, bucket: bucket)
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
        }
        // Groups in (formula, metric, bucket) order, so the file's layout depends on the log alone.
        let ordered = groupIDs.sorted { $0.key < $1.key }
        var starts = [Int](repeating: 0, count: counts.count)
        var next = 0
        groups = ordered.map { group, id in
            starts[id] = next
            next += counts[id]
            return (group, starts[id]..<next)
        }
        var rows = [ValueRow](repeating: ValueRow(value: 0, backtest: 0, set: 0), count: numbers.count)
        for (setIndex, set) in sets.enumerated() {
            for index in set.numbersStart..<(set.numbersStart + set.numbersCount) {
                let id = Int(groupOf[index])
                rows[starts[id]] = ValueRow(value: numbers[index].value, backtest: set.backtest, set: Int32(setIndex))
                starts[id] += 1
            }
        }
        let ranges = groups.map(\.rows)
        rows.withUnsafeMutableBufferPointer { buffer in
            let shared = DisjointWrites(buffer)
            DispatchQueue.concurrentPerform(iterations: ranges.count) { group in
                // Sets of one backtest and formula are created in position order, so the set index orders
                // valid_from among equal values and backtests.
                var slice = UnsafeMutableBufferPointer(rebasing: shared.buffer[ranges[group]])
                slice.sort { left, right in
                    if left.value != right.value { return left.value < right.value }
                    if left.backtest != right.backtest { return left.backtest < right.backtest }
                    return left.set < right.set
                }
            }
        }
        valueRows = rows
        numbers = []
    }

    /// Writes the names, the sets in key order and the sorted numbers with their ranges into empty tables.
    func write(to db: SQLiteConnection) throws {
        for (table, names) in [
            ("backtest_keys (backtest_key, backtest_id)", backtests.names),
            ("metric_formulas (formula_key, formula)", formulas.names),
            ("metric_names (metric_key, metric)", metrics.names),
        ] {
            let insert = try db.prepare("INSERT INTO \(table) VALUES (?, ?)")
            for (offset, name) in names.enumerated() { try insert.run([.integer(Int64(offset + 1)), .text(name)]) }
        }
        let insertSet = try db.prepare(
            "INSERT INTO backtest_metric_sets (backtest_key, formula_key, valid_from, valid_to, runtime_position, metric_values) VALUES (?, ?, ?, ?, ?, ?)"
        )
        let order = sets.indices.sorted { a, b in
            let left = sets[a]
            let right = sets[b]
            return (left.backtest, left.formula, left.validFrom) < (right.backtest, right.formula, right.validFrom)
        }
        try text.withUnsafeBytes { text in
            for index in order {
                let set = sets[index]
                try insertSet.bind(Int64(set.backtest), at: 1)
                try insertSet.bind(Int64(set.formula), at: 2)
                try insertSet.bind(set.validFrom, at: 3)
                if let validTo = set.validTo {
                    try insertSet.bind(validTo, at: 4)
                } else {
                    try insertSet.bindNull(at: 4)
                }
                try insertSet.bind(set.runtimePosition, at: 5)
                try insertSet.bind(
                    text: UnsafeRawBufferPointer(rebasing: text[set.textStart..<(set.textStart + set.textCount)]), at: 6
                )
                try insertSet.execute()
            }
        }
        let lastRow = try db.prepare("SELECT max(rowid) FROM backtest_metric_values").rows().first?.first
        let firstRow: Int64 = if case .integer(let last)? = lastRow { last } else { 0 }
        let insertValue = try db.prepare(
            "INSERT INTO backtest_metric_values (formula_key, metric_key, bucket, value, backtest_key, valid_from, valid_to) VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        let insertRange = try db.prepare(
            "INSERT INTO backtest_metric_value_ranges (formula_key, metric_key, bucket, first_row, last_row) VALUES (?, ?, ?, ?, ?)"
        )
        // Rows get rowids one past the largest, so each group's range follows from the counts (checked below).
        var rowid = firstRow
        for (group, rows) in groups {
            try insertRange.run([
                .integer(Int64(group.formula)), .integer(Int64(group.metric)), .integer(group.bucket),
                .integer(rowid + 1), .integer(rowid + Int64(rows.count)),
            ])
            try insertValue.bind(Int64(group.formula), at: 1)
            try insertValue.bind(Int64(group.metric), at: 2)
            try insertValue.bind(group.bucket, at: 3)
            for row in valueRows[rows] {
                try insertValue.bind(row.value, at: 4)
                try insertValue.bind(Int64(row.backtest), at: 5)
                let set = sets[Int(row.set)]
                try insertValue.bind(set.validFrom, at: 6)
                if let validTo = set.validTo {
                    try insertValue.bind(validTo, at: 7)
                } else {
                    try insertValue.bindNull(at: 7)
                }
                try insertValue.execute()
            }
            rowid += Int64(rows.count)
        }
        if !valueRows.isEmpty, db.lastInsertedRowID != rowid {
            throw SQLiteError(
                code: 1, extendedCode: 1,
                message:
                    "backtest_metric_values: rows were given rowids up to \(db.lastInsertedRowID), not \(rowid); the recorded ranges would be wrong",
                sql: nil)
        }
    }
}
