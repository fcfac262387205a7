import SQLiteKit

/// A table whose rows are versions: `valid_from` is the log position that made a row true and `valid_to` the
/// position that replaced it (NULL while current). `merge` writes a new version only when a value changes,
/// so re-observing the same facts leaves the table as it was. `provenance` columns (which event produced the
/// values) are stored with a new version but do not by themselves make one.
final class VersionedTable {
    let name: String
    let keyColumns: [String]
    let valueColumns: [String]
    let provenanceColumns: [String]
    private let current: SQLiteStatement
    private let close: SQLiteStatement
    private let insert: SQLiteStatement

    init(_ db: SQLiteConnection, name: String, keys: [String], values: [String], provenance: [String] = []) throws {
        self.name = name
        keyColumns = keys
        valueColumns = values
        provenanceColumns = provenance
        let match = keys.map { "\($0) = ?" }.joined(separator: " AND ")
        current = try db.prepare(
            "SELECT \(values.joined(separator: ", ")) FROM \(name) WHERE \(match) AND valid_to IS NULL")
        close = try db.prepare("UPDATE \(name) SET valid_to = ? WHERE \(match) AND valid_to IS NULL")
        let columns = keys + values + provenance + ["valid_from"]
        insert = try db.prepare(
            "INSERT INTO \(name) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
        )
    }

    /// Overlays `changes` (by column name) on the current version of `key`; writes a new version at `position`
    /// when anything differs. Returns whether it did.
    @discardableResult
    func merge(key: [SQLiteValue], changes: [String: SQLiteValue], position: UInt64) throws -> Bool {
        let existing = try current.rows(key).first
        var values = existing ?? Array(repeating: .null, count: valueColumns.count)
        for (index, column) in valueColumns.enumerated() {
            if let value = changes[column] { values[index] = value }
        }
        if let existing, existing == values { return false }
        if existing != nil { try close.run([.integer(Int64(position))] + key) }
        let provenance = provenanceColumns.map { changes[$0] ?? .null }
        try insert.run(key + values + provenance + [.integer(Int64(position))])
        return true
    }
}
