import SQLiteKit

/// The columns a query selects, named once: the SELECT list is built from the cases and each value is read by
/// its case, so a column is never read by a position that drifts when the list changes.
protocol SelectedColumns: CaseIterable, RawRepresentable, Equatable where RawValue == String, AllCases == [Self] {}

extension SelectedColumns {
    /// `a, b, c`, for the SELECT.
    static var list: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The column's index in the SELECT list.
    var index: Int { Self.allCases.firstIndex(of: self)! }
}

extension SQLiteStatement {
    func string<C: SelectedColumns>(_ column: C) -> String? { string(column.index) }
    func int64<C: SelectedColumns>(_ column: C) -> Int64? { int64(column.index) }
    func double<C: SelectedColumns>(_ column: C) -> Double? { double(column.index) }

    /// Every remaining row, made by `row`.
    func collect<Row>(_ row: (SQLiteStatement) throws -> Row) throws -> [Row] {
        var rows: [Row] = []
        while try step() { rows.append(try row(self)) }
        return rows
    }
}
