import Dispatch
import EventLog
import JSON
import LedgerEvents
import Platform
import SQLiteKit

/// The metric tables of a rebuild, written in memory bounded by one bucket of positions whatever the log's size.
///
/// Pass one replays the `metrics.computed` events into `backtest_metric_sets` in position order, closing a
/// backtest's previous version (by rowid) when its values change; what it keeps per (backtest, formula) is the
/// open version's rowid and a hash of its values. Pass two reads the sets back one bucket of positions at a time
/// (`MetricValueBuckets`: every set of a bucket is known, and closed or not, once pass one is done) and writes
/// the bucket's numbers sorted by (formula, metric, value, backtest, valid_from), recording each group's rowid
/// range, so no index on them has to be sorted after the fact.
///
/// Pass one keeps at most `keysInMemory` backtest keys and open sets in memory. The first time either is full,
/// the sets' key index is built from the rows so far and kept from then on; a key no longer in memory is read
/// back through `backtest_keys`' unique index or the sets' key index. A log with fewer backtests never pays for
/// either index during the replay.
struct MetricSetRebuild {
    /// The open version of a (backtest, formula): its row and what identifies its values.
    private struct OpenSet {
        let rowid: Int64
        let hash: Int
        let count: Int
    }

    private let db: SQLiteConnection
    private var backtests = BacktestKeys()
    private var formulas = NameKeys()
    private var open: [Int64: OpenSet] = [:]
    private let keysInMemory: Int
    /// Whether keys were let go of: from then on, a key not in memory may still be in the tables.
    private var evicted = false
    private let insertSet: SQLiteStatement
    private let closeSet: SQLiteStatement
    private let storedValues: SQLiteStatement
    private let insertBacktest: SQLiteStatement
    private let insertFormula: SQLiteStatement
    private let storedBacktest: SQLiteStatement
    private let storedOpenSet: SQLiteStatement
    /// The sets' key index, dropped while pass one appends and created once at the end (one sort).
    private let setIndex: String

    static let metricsType = EventType.metricsComputed.nameBytes

    /// Starts on the empty metric tables of a staging file; run inside one transaction with `finish`.
    init(into db: SQLiteConnection, keysInMemory: Int = Projector.bulkKeysInMemory) throws {
        self.db = db
        self.keysInMemory = max(1, keysInMemory)
        let index = try db.prepare(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'backtest_metric_sets_by_key'"
        ).rows()
        guard case .text(let sql)? = index.first?.first else {
            throw SQLiteError(code: 1, extendedCode: 1, message: "backtest_metric_sets_by_key is missing", sql: nil)
        }
        setIndex = sql
        try db.execute("DROP INDEX backtest_metric_sets_by_key")
        insertSet = try db.prepare(
            "INSERT INTO backtest_metric_sets (backtest_key, formula_key, valid_from, valid_to, runtime_position, metric_values) VALUES (?, ?, ?, NULL, ?, ?)"
        )
        closeSet = try db.prepare("UPDATE backtest_metric_sets SET valid_to = ? WHERE rowid = ?")
        storedValues = try db.prepare("SELECT metric_values FROM backtest_metric_sets WHERE rowid = ?")
        insertBacktest = try db.prepare("INSERT INTO backtest_keys (backtest_key, backtest_id) VALUES (?, ?)")
        insertFormula = try db.prepare("INSERT INTO metric_formulas (formula_key, formula) VALUES (?, ?)")
        storedBacktest = try db.prepare("SELECT backtest_key FROM backtest_keys WHERE backtest_id = ?")
        storedOpenSet = try db.prepare(
            "SELECT rowid, metric_values FROM backtest_metric_sets WHERE backtest_key = ? AND formula_key = ? AND valid_to IS NULL ORDER BY valid_from DESC LIMIT 1"
        )
    }

    /// Pass one, then pass two, for every `metrics.computed` event from position 1 through `through`.
    static func rebuild(
        log: EventLog, through: UInt64, into db: SQLiteConnection, keysInMemory: Int = Projector.bulkKeysInMemory,
        afterSets: () -> Void = {}
    ) throws {
        var rebuild = try MetricSetRebuild(into: db, keysInMemory: keysInMemory)
        try log.read { reader in
            var visited = 0
            try reader.forEachView(through: through) { view in
                visited += 1
                if visited % LogReader.pagesReleasedEvery == 0 { reader.releaseMappedPages() }
                guard try view.withTypeBytes({ $0.elementsEqual(MetricSetRebuild.metricsType) }) else { return true }
                let position = view.position
                let causation = view.causation
                try view.withPayloadBytes {
                    try rebuild.apply(payload: $0, position: position, runtimePosition: causation)
                }
                return true
            }
        }
        afterSets()
        try rebuild.finish()
    }

    /// Pass one for one event: a new version of the backtest's set under the formula, unless its values are the
    /// open version's.
    mutating func apply(payload: UnsafeRawBufferPointer, position: UInt64, runtimePosition: UInt64?) throws {
        let reader = CanonicalJSONReader(payload)
        guard let event = try MetricsComputed.read(reader) else { return }
        if backtests.cached >= keysInMemory || open.count >= keysInMemory { try letKeysGo() }
        var isNew = false
        // A closure of the statement alone: one that held `self` would hold the keys too, and copy them per call.
        let statement = storedBacktest
        let readBack: ((String) throws -> Int32?)? = evicted ? { id in try Self.storedKey(id, statement) } : nil
        let backtest = try backtests.key(event.backtestID, stored: readBack) { key in
            isNew = true
            try insertBacktest.run([.integer(Int64(key)), .text(event.backtestID)])
        }
        let formulasKnown = formulas.names.count
        let formula = formulas.key(event.formula)
        if formulas.names.count > formulasKnown {
            try insertFormula.run([.integer(Int64(formula)), .text(event.formula)])
        }
        let setKey = Int64(backtest) << 32 | Int64(formula)
        let values = reader.slice(event.values)
        var hasher = Hasher()
        hasher.combine(bytes: values)
        let hash = hasher.finalize()
        if let current = try openSet(setKey, isNew: isNew) {
            if current.count == values.count, current.hash == hash, try stored(current.rowid, equals: values) {
                return
            }
            try closeSet.bind(Int64(position), at: 1)
            try closeSet.bind(current.rowid, at: 2)
            try closeSet.execute()
        }
        try insertSet.bind(Int64(backtest), at: 1)
        try insertSet.bind(Int64(formula), at: 2)
        try insertSet.bind(Int64(position), at: 3)
        try insertSet.bind(Int64(runtimePosition ?? 0), at: 4)
        try insertSet.bind(text: values, at: 5)
        try insertSet.execute()
        open[setKey] = OpenSet(rowid: db.lastInsertedRowID, hash: hash, count: values.count)
    }

    /// Empties the in-memory keys; the first time, builds the sets' key index that reads them back.
    private mutating func letKeysGo() throws {
        if !evicted { try db.execute(setIndex) }
        evicted = true
        backtests.forgetCached()
        open.removeAll()
    }

    private static func storedKey(_ id: String, _ statement: SQLiteStatement) throws -> Int32? {
        defer { statement.reset() }
        try statement.bind(.text(id), at: 1)
        guard try statement.step() else { return nil }
        return statement.int64(0).map { Int32($0) }
    }

    /// The open version of a set: in memory, or (once keys were let go of) read back from the table. A backtest
    /// first seen just now has none.
    private mutating func openSet(_ setKey: Int64, isNew: Bool) throws -> OpenSet? {
        if let current = open[setKey] { return current }
        guard evicted, !isNew else { return nil }
        defer { storedOpenSet.reset() }
        try storedOpenSet.bind(setKey >> 32, at: 1)
        try storedOpenSet.bind(setKey & 0xFFFF_FFFF, at: 2)
        guard try storedOpenSet.step(), let rowid = storedOpenSet.int64(0) else { return nil }
        return storedOpenSet.withBytes(1) { values in
            var hasher = Hasher()
            hasher.combine(bytes: values)
            return OpenSet(rowid: rowid, hash: hasher.finalize(), count: values.count)
        }
    }

    private func stored(_ rowid: Int64, equals values: UnsafeRawBufferPointer) throws -> Bool {
        defer { storedValues.reset() }
        try storedValues.bind(rowid, at: 1)
        guard try storedValues.step() else { return false }
        return storedValues.withBytes(0) { $0.elementsEqual(values) } ?? false
    }

    /// Pass two, then the sets' index.
    mutating func finish() throws {
        open = [:]
        backtests = BacktestKeys()
        var writer = try MetricValueWriter(db)
        try writer.write()
        if !evicted { try db.execute(setIndex) }
    }
}

/// The small integer key of each backtest id, in first-seen order, without keeping the names: ids in the
/// canonical lowercase UUID spelling (nearly all of them) are held as their 16 bytes.
struct BacktestKeys {
    private struct UUIDBits: Hashable {
        let high: UInt64
        let low: UInt64
    }

    private var uuids: [UUIDBits: Int32] = [:]
    private var others: [String: Int32] = [:]
    private(set) var count: Int32 = 0

    /// How many keys are held in memory.
    var cached: Int { uuids.count + others.count }

    /// Lets go of the keys in memory; the next key given out still follows the last.
    mutating func forgetCached() {
        uuids = [:]
        others = [:]
    }

    /// The id's key; `stored` finds one given out earlier and no longer in memory, `added` hears a key the
    /// first time it is given out.
    mutating func key(
        _ id: String, stored: ((String) throws -> Int32?)? = nil, added: (Int32) throws -> Void
    ) throws -> Int32 {
        let bits = Self.bits(id)
        if let bits, let key = uuids[bits] { return key }
        if bits == nil, let key = others[id] { return key }
        let key: Int32
        if let found = try stored?(id) {
            key = found
        } else {
            count += 1
            key = count
            try added(key)
        }
        if let bits { uuids[bits] = key } else { others[id] = key }
        return key
    }

    /// The bits of `8-4-4-4-12` lowercase hex, or nil for any other spelling (kept as text, so nothing is
    /// normalised: an uppercase id stays a different id).
    private static func bits(_ id: String) -> UUIDBits? {
        var utf8 = id.utf8.makeIterator()
        var high: UInt64 = 0
        var low: UInt64 = 0
        var digits = 0
        var index = 0
        while let byte = utf8.next() {
            defer { index += 1 }
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            let nibble: UInt64
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = UInt64(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = UInt64(byte - UInt8(ascii: "a") + 10)
            default: return nil
            }
            if digits < 16 { high = high << 4 | nibble } else { low = low << 4 | nibble }
            digits += 1
        }
        return index == 36 && digits == 32 ? UUIDBits(high: high, low: low) : nil
    }
}
