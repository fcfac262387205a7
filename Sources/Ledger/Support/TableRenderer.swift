/// Plain-text tables for `--format table`: left-aligned columns separated by two spaces, numbers
/// right-aligned, widths fitted to the rows shown.
public struct TableRenderer: Sendable {
    public struct Column: Sendable {
        public let title: String
        public let rightAligned: Bool
        public init(_ title: String, rightAligned: Bool = false) {
            self.title = title
            self.rightAligned = rightAligned
        }
    }

    public let columns: [Column]

    public init(columns: [Column]) { self.columns = columns }

    /// Name–value pairs, one per line, the values aligned.
    static func keyValue(_ rows: [(String, String)]) -> [String] {
        TableRenderer(columns: [.init(""), .init("")]).render(rows.map { [$0.0, $0.1] }, header: false)
    }

    /// The header line and one line per row.
    public func render(_ rows: [[String]], header: Bool = true) -> [String] {
        var widths = columns.map { $0.title.count }
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        var lines: [String] = []
        if header { lines.append(line(columns.map(\.title), widths: widths)) }
        for row in rows { lines.append(line(row, widths: widths)) }
        return lines
    }

    private func line(_ cells: [String], widths: [Int]) -> String {
        var parts: [String] = []
        for (index, cell) in cells.enumerated() {
            let padding = String(repeating: " ", count: max(0, widths[index] - cell.count))
            let isLast = index == cells.count - 1
            if columns[index].rightAligned {
                parts.append(padding + cell)
            } else {
                parts.append(isLast ? cell : cell + padding)
            }
        }
        return parts.joined(separator: "  ")
    }
}
