import Foundation
import SQLiteKit

/// The rows of a statement a user wrote (`haasledger sql`): column names as SQLite gives them.
public struct SQLAnswer: Sendable, Equatable {
    public let columns: [String]
    public let rows: [[SQLiteValue]]

    public init(columns: [String], rows: [[SQLiteValue]]) {
        self.columns = columns
        self.rows = rows
    }
}

/// Why a user's statement was refused.
public enum ReadOnlySQLError: Error, Equatable, Sendable {
    case invalid(String)
    case severalStatements
    case notReadOnly
    case attach
    /// Still running after the time limit, and stopped.
    case timedOut(seconds: Double)
}

extension ReadModels {
    /// Runs one read-only statement on its own read-only connection to the file at `path`; `:asof` is bound
    /// to `position` (every version so far when nil). Writes, ATTACH and state-changing PRAGMAs are refused.
    public static func readOnlyQuery(_ text: String, path: String, asOf position: UInt64?, timeLimit: Double = 30)
        throws -> SQLAnswer
    {
        let reader = try SQLiteConnection(path: path, mode: .readOnly)
        let statement: SQLiteStatement
        do {
            statement = try reader.prepareSingle(text)
        } catch {
            throw error.message == "more than one statement"
                ? ReadOnlySQLError.severalStatements : ReadOnlySQLError.invalid(error.message)
        }
        guard statement.isReadOnly else { throw ReadOnlySQLError.notReadOnly }
        let lowered = text.lowercased()
        if lowered.contains("attach") && lowered.range(of: #"\battach\b"#, options: .regularExpression) != nil {
            throw ReadOnlySQLError.attach
        }
        if text.components(separatedBy: ":asof").count > 1 { try statement.bind(asOfParameter(position), at: 1) }
        let columns = (0..<statement.columnCount).map(statement.columnName)
        do {
            let rows = try reader.withTimeLimit(seconds: timeLimit) {
                try statement.collect { row in (0..<columns.count).map(row.value) }
            }
            return SQLAnswer(columns: columns, rows: rows)
        } catch let error as SQLiteError where error.resultCode == .interrupt {
            throw ReadOnlySQLError.timedOut(seconds: timeLimit)
        }
    }

    /// The position and ledger time of the last event the file at `path` applied; nil when it has applied none
    /// or does not exist.
    public static func appliedState(path: String) -> (position: UInt64, recordedAt: Int64?)? {
        guard FileManager.default.fileExists(atPath: path),
            let db = try? SQLiteConnection(path: path, mode: .readOnly),
            let row = try? db.prepare("SELECT position, recorded_at FROM projection_state WHERE name = ?").rows([
                .text(Projector.name)
            ]).first,
            case .integer(let position) = row[0]
        else { return nil }
        if case .integer(let at) = row[1] { return (UInt64(position), at) }
        return (UInt64(position), nil)
    }
}
