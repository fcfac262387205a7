import SQLiteKit

/// A table whose rows are versions: `valid_from` is the log position that made a row true and `valid_to` the
/// position that replaced it (NULL while current). `merge` writes a new version only when a value changes,
/// so re-observing the same facts leaves the table as it was.
final class VersionedTable {
    let name: String
    let keyColumns: [String]
    let valueColumns: [String]
    private let current: SQLiteStatement
    private let close: SQLiteStatement
    private let insert: SQLiteStatement
    private let closeRow: SQLiteStatement
    private let insertRow: SQLiteStatement
    /// During a rebuild into an empty file, the current versions of recently merged keys (rowid and values) are
    /// kept here, so a merge mostly reads nothing from SQLite and closes the old version by rowid. Every version
    /// is written at once, so the cache is emptied whenever it holds `memoryLimit` keys: memory stays bounded
    /// whatever the log's size, and a key no longer cached is read back through the key's index (which a
    /// rebuild keeps, `Projector.keyIndexColumns`).
    private var memory: [String: (rowid: Int64, values: [SQLiteValue])]?
    /// Whether keys have been dropped from `memory`, so one missing from it may still have a current version.
    private var evicted = false
    private var nextRowID: Int64 = 1
    /// How many keys `memory` holds at most (about 1 KB each for a backtest).
    private var memoryLimit = Projector.bulkKeysInMemory
    private let currentWithRowID: SQLiteStatement

    init(_ db: SQLiteConnection, name: String, keys: [String], values: [String]) throws {
        self.name = name
        keyColumns = keys
        valueColumns = values
        let match = keys.map { "\($0) = ?" }.joined(separator: " AND ")
        current = try db.prepare(
            "SELECT \(values.joined(separator: ", ")) FROM \(name) WHERE \(match) AND valid_to IS NULL")
        close = try db.prepare("UPDATE \(name) SET valid_to = ? WHERE \(match) AND valid_to IS NULL")
        let columns = keys + values + ["valid_from"]
        insert = try db.prepare(
            "INSERT INTO \(name) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
        )
        currentWithRowID = try db.prepare(
            "SELECT rowid, \(values.joined(separator: ", ")) FROM \(name) WHERE \(match) AND valid_to IS NULL")
        closeRow = try db.prepare("UPDATE \(name) SET valid_to = ? WHERE rowid = ?")
        insertRow = try db.prepare(
            "INSERT INTO \(name) (rowid, \(columns.joined(separator: ", "))) VALUES (?, \(columns.map { _ in "?" }.joined(separator: ", ")))"
        )
    }

    /// Keeps current versions in memory from here on. Only valid on an empty table that nothing else writes.
    func beginBulk(keysInMemory: Int = Projector.bulkKeysInMemory) {
        memoryLimit = max(keysInMemory, 1)
        memory = [:]
        evicted = false
        nextRowID = 1
    }

    func endBulk() { memory = nil }

    /// Overlays `changes` (by column name) on the current version of `key`; writes a new version at `position`
    /// when anything differs. Returns whether it did.
    @discardableResult
    func merge(key: [SQLiteValue], changes: [String: SQLiteValue], position: UInt64) throws -> Bool {
        try merge(key: key, values: valueColumns.map { changes[$0] }, position: position)
    }

    /// The same with values by column index: nil keeps the current value.
    @discardableResult
    func merge(key: [SQLiteValue], values changes: [SQLiteValue?], position: UInt64) throws -> Bool {
        if memory != nil { return try mergeInMemory(key: key, changes: changes, position: position) }
        let existing = try current.rows(key).first
        var values = existing ?? Array(repeating: .null, count: valueColumns.count)
        for (index, value) in changes.enumerated() { if let value { values[index] = value } }
        if let existing, existing == values { return false }
        if existing != nil { try close.run([.integer(Int64(position))] + key) }
        try insert.run(key + values + [.integer(Int64(position))])
        return true
    }

    private func mergeInMemory(key: [SQLiteValue], changes: [SQLiteValue?], position: UInt64) throws -> Bool {
        let memoryKey = VersionedTable.memoryKey(key)
        // Taken out of the dictionary while it changes, so the values array is not copied.
        var existing = memory?.removeValue(forKey: memoryKey)
        if existing == nil, evicted { existing = try storedCurrent(key) }
        defer {
            if let count = memory?.count, count >= memoryLimit {
                memory = [:]
                evicted = true
            }
            memory?[memoryKey] = existing
        }
        var values = existing?.values ?? Array(repeating: .null, count: valueColumns.count)
        for (index, value) in changes.enumerated() { if let value { values[index] = value } }
        if let existing, existing.values == values { return false }
        if let existing { try closeRow.run([.integer(Int64(position)), .integer(existing.rowid)]) }
        let rowid = nextRowID
        nextRowID += 1
        // Bound in place: this runs once per versioned row of a rebuild, where array concatenation showed.
        var index = 1
        func bind(_ value: SQLiteValue) throws {
            try insertRow.bind(value, at: index)
            index += 1
        }
        try bind(.integer(rowid))
        for part in key { try bind(part) }
        for value in values { try bind(value) }
        try bind(.integer(Int64(position)))
        try insertRow.execute()
        existing = (rowid, values)
        return true
    }

    /// The current version of `key` as SQLite holds it, with its rowid.
    private func storedCurrent(_ key: [SQLiteValue]) throws -> (rowid: Int64, values: [SQLiteValue])? {
        guard let row = try currentWithRowID.rows(key).first, case .integer(let rowid) = row[0] else { return nil }
        return (rowid, Array(row.dropFirst()))
    }

    private static func memoryKey(_ key: [SQLiteValue]) -> String {
        if key.count == 1, case .text(let text) = key[0] { return text }
        var joined = ""
        for (index, part) in key.enumerated() {
            if index > 0 { joined += "\u{0}" }
            switch part {
            case .text(let text): joined += text
            case .integer(let number): joined += "#\(number)"
            case .real(let number): joined += "~\(number)"
            case .null: joined += "\u{1}"
            case .blob(let bytes): joined += "b\(bytes)"
            }
        }
        return joined
    }
}
