#if canImport(Glibc)
    import Glibc
#endif

/// Tables that fit the terminal: when a table is wider than the terminal, ids are shortened in the middle
/// (`6f80d672…286e`, still unique enough to read and to search the full output for), then columns are left out
/// from the right, the leftmost being the most important. `--wide` shows every column, `--columns` picks them.
extension ResultTable {
    public struct Fitted: Sendable {
        public let table: ResultTable
        /// Columns left out to fit, in order.
        public let dropped: [String]
    }

    /// The table as it fits `width` characters (nil: as it is). Columns are left out least important first:
    /// those missing from `priority` (most important first) from the right, then `priority` from its end; the
    /// first column always stays. The columns shown keep their order.
    public func fitted(width: Int?, raw: Bool = false, priority: [String] = []) -> Fitted {
        guard let width, width > 0, totalWidth(raw: raw) > width else { return Fitted(table: self, dropped: []) }
        var table = shorteningIDs()
        let ranked = priority.filter(columns.contains)
        let order =
            Array(columns.dropFirst().filter { !ranked.contains($0) }.reversed())
            + ranked.reversed().filter { $0 != columns.first }
        var dropped: [String] = []
        for name in order where table.totalWidth(raw: raw) > width {
            dropped.append(name)
            table = table.selecting(table.columns.filter { $0 != name })
        }
        return Fitted(table: table, dropped: columns.filter(dropped.contains))
    }

    /// The width of the rendered table: every column as wide as its widest cell or title, two spaces between.
    func totalWidth(raw: Bool) -> Int {
        var widths = columns.map(\.count)
        for row in renderedCells(raw: raw) {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return widths.reduce(0, +) + 2 * max(0, widths.count - 1)
    }

    /// UUID-shaped text cells as their first 8 and last 4 digits.
    func shorteningIDs() -> ResultTable {
        ResultTable(
            columns: columns,
            rows: rows.map { row in
                row.map { cell in
                    guard case .text(let text) = cell, Self.looksLikeID(text) else { return cell }
                    return .text(String(text.prefix(8)) + "…" + String(text.suffix(4)))
                }
            }, displays: displays)
    }

    static func looksLikeID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        return [8, 13, 18, 23].allSatisfy { bytes[$0] == UInt8(ascii: "-") }
    }

    /// The terminal's width for tables on standard output: `$COLUMNS`, else the terminal's own, else nil (a
    /// pipe or a file gets the whole table).
    public static var terminalWidth: Int? {
        if let text = ProcessEnvironment.values["COLUMNS"], let columns = Int(text), columns > 0 { return columns }
        guard isatty(STDOUT_FILENO) == 1 else { return nil }
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}
