import EventLog
import Foundation
import JSON

/// Rows of named columns, printed as a table, RFC 4180 CSV, a JSON array, or NDJSON.
public struct ResultTable: Sendable, Equatable {
    public enum Cell: Sendable, Equatable {
        case null
        case integer(Int64)
        case number(Double)
        case text(String)
        /// A metric that is not a number: `+inf`, `-inf` or `undefined`.
        case nonNumber(String)

        /// A metric's cell: its number, or what it is when it is none.
        static func metric(number: Double?, text: String) -> Cell { number.map(Cell.number) ?? .nonNumber(text) }

        /// A metric a backtest has no value for under the formula (its runtime was never fetched, or its metrics
        /// never computed): null in JSON with this reason, empty in CSV, a dash in a table.
        static let notComputed = "not computed"

        /// Exact text, for CSV: infinities as `inf`/`-inf` and undefined as an empty cell, as pandas reads them.
        var plain: String {
            switch self {
            case .null: return ""
            case .integer(let value): return String(value)
            case .number(let value): return JSONNumber(value)?.canonicalText ?? (value.isNaN ? "" : String(value))
            case .text(let text): return text
            case .nonNumber(let text): return text == "+inf" ? "inf" : text == "-inf" ? "-inf" : ""
            }
        }

        /// A number or null (the reason for a null metric goes in a sibling member, see `object`).
        var json: JSONValue {
            switch self {
            case .null, .nonNumber: return .null
            case .integer(let value): return .number(value)
            case .number(let value): return JSONNumber(value).map(JSONValue.number) ?? .null
            case .text(let text): return .string(text)
            }
        }

        /// Why a JSON value is null when the cell is a metric that is not a number.
        var nullReason: String? {
            switch self {
            case .nonNumber(let text): return text
            case .number(let value) where !value.isFinite:
                return value.isNaN ? "undefined" : value > 0 ? "+inf" : "-inf"
            default: return nil
            }
        }

        var isNumeric: Bool {
            switch self {
            case .integer, .number, .nonNumber: return true
            default: return false
            }
        }
    }

    public enum Format: String, CaseIterable, Sendable { case table, csv, json, ndjson }

    public let columns: [String]
    public let rows: [[Cell]]

    /// How a column reads in a table, when its name does not say (`ReadableNumbers.style(ofColumn:)`).
    public enum Display: Sendable, Equatable {
        /// A lab's `S`: `CREATED`, `QUEUED`, `RUNNING`, `COMPLETED`, `CANCELLED`.
        case labStatus
        /// Microseconds since the epoch, as ISO-8601.
        case microseconds
        /// A size in bytes, as KB, MB, GB.
        case bytes
        /// Already a percentage (the server's `P`).
        case percent
        /// A fraction of 1 shown as a percentage (a return, a share).
        case fraction
        /// A SHA-256 in hex, shortened to its first 12 digits (as git shortens commits).
        case shortHash
        /// A JSON object of parameters, as `name=value` pairs (`Period=20 Stop Loss=2`).
        case parameters
    }

    /// Columns with a display of their own, in tables only (CSV and JSON keep the stored values).
    public let displays: [String: Display]

    public init(columns: [String], rows: [[Cell]], displays: [String: Display] = [:]) {
        self.columns = columns
        self.rows = rows
        self.displays = displays
    }

    /// The same rows with only `names` (in that order); unknown names are skipped.
    public func selecting(_ names: [String]) -> ResultTable {
        let indexes = names.compactMap { columns.firstIndex(of: $0) }
        return ResultTable(
            columns: indexes.map { columns[$0] }, rows: rows.map { row in indexes.map { row[$0] } }, displays: displays)
    }

    /// The first `count` rows.
    public func prefix(_ count: Int) -> ResultTable {
        ResultTable(columns: columns, rows: Array(rows.prefix(count)), displays: displays)
    }

    /// The same rows without those of `names` that are empty in every row.
    public func droppingEmpty(_ names: [String]) -> ResultTable {
        let empty = Set(
            names.filter { name in
                guard let index = columns.firstIndex(of: name) else { return false }
                return rows.allSatisfy { $0[index] == .null }
            })
        return empty.isEmpty ? self : selecting(columns.filter { !empty.contains($0) })
    }

    /// The same rows, largest magnitude of the numeric column `name` first (rows without a number last, in order).
    public func byMagnitude(of name: String) -> ResultTable {
        guard let index = columns.firstIndex(of: name) else { return self }
        func magnitude(_ row: [Cell]) -> Double {
            switch row[index] {
            case .number(let value): return abs(value)
            case .integer(let value): return Double(value.magnitude)
            default: return -1
            }
        }
        let ordered = rows.enumerated().sorted { lhs, rhs in
            let (x, y) = (magnitude(lhs.element), magnitude(rhs.element))
            return x != y ? x > y : lhs.offset < rhs.offset
        }
        return ResultTable(columns: columns, rows: ordered.map(\.element), displays: displays)
    }

    /// - Parameter raw: in a table, every number at full precision instead of readably (`ReadableNumbers`);
    ///   CSV, JSON and NDJSON are always exact.
    public func lines(_ format: Format, raw: Bool = false) -> [String] {
        switch format {
        case .table:
            let renderer = TableRenderer(
                columns: columns.enumerated().map { index, name in
                    TableRenderer.Column(
                        name.uppercased(), rightAligned: rows.first.map { $0[index].isNumeric } ?? false)
                })
            return renderer.render(renderedCells(raw: raw))
        case .csv:
            return [csvHeader] + csvRecords
        case .json:
            return ["[" + rows.map(object).joined(separator: ",") + "]"]
        case .ndjson:
            return rows.map(object)
        }
    }

    /// Each cell as a table shows it.
    func renderedCells(raw: Bool) -> [[String]] {
        let styles = columns.map(ReadableNumbers.style(ofColumn:))
        let shown = columns.map { displays[$0] }
        return rows.map { row in
            row.enumerated().map { index, cell in
                if raw { return cell.exactText }
                if let display = shown[index] { return ReadableNumbers.text(cell, display: display) }
                return ReadableNumbers.text(cell, style: styles[index])
            }
        }
    }

    /// An object with keys in column order (canonical JSON would sort them), so `backtest_id, lab_id, …`
    /// lead as documented.
    func object(_ row: [Cell]) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, (column, cell)) in zip(columns, row).enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            CanonicalJSON.writeString(column, into: &out)
            out.append(UInt8(ascii: ":"))
            CanonicalJSON.write(cell.json, into: &out)
            if let reason = cell.nullReason {
                out.append(UInt8(ascii: ","))
                CanonicalJSON.writeString(column + "_reason", into: &out)
                out.append(UInt8(ascii: ":"))
                CanonicalJSON.writeString(reason, into: &out)
            }
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// RFC 4180: quote fields holding a comma, quote, CR or LF; double the quotes inside.
    /// The CSV header line, and each row as a CSV record: a table written in pages repeats only the records.
    public var csvHeader: String { columns.map(ResultTable.csvField).joined(separator: ",") }
    public var csvRecords: [String] { rows.map { $0.map { ResultTable.csvField($0.plain) }.joined(separator: ",") } }

    public static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
