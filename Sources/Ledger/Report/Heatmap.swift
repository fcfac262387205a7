/// A grid of labelled cells coloured by value, drawn as inline SVG: monthly returns (years × months) and a
/// sweep's two-parameter map. Colours diverge around zero (red below, green above) when the values cross it,
/// and run light to dark otherwise; an empty cell is left blank.
struct Heatmap {
    let title: String
    let columns: [String]
    let rows: [String]
    /// `values[row][column]`.
    let values: [[Double?]]
    let format: AxisFormat
    var columnLabel = ""
    var rowLabel = ""

    static let cellWidth = 40.0
    static let cellHeight = 22.0
    static let left = 72.0
    static let top = 40.0

    var svg: String {
        let width = Self.left + Double(max(1, columns.count)) * Self.cellWidth + 12
        let height = Self.top + Double(max(1, rows.count)) * Self.cellHeight + 30
        let finite = values.flatMap { $0.compactMap { $0 } }.filter(\.isFinite)
        let lowest = finite.min() ?? 0
        let highest = finite.max() ?? 0
        let largest = max(abs(lowest), abs(highest), 1e-12)
        var parts = [
            "<svg class=\"chart heatmap\" style=\"width:\(svgNumber(width))px\" viewBox=\"0 0 \(svgNumber(width)) \(svgNumber(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">",
            "<text class=\"title\" x=\"\(svgNumber(Self.left))\" y=\"16\">\(HTML.escape(title))</text>",
        ]
        for (index, name) in columns.enumerated() {
            parts.append(
                "<text class=\"tick\" x=\"\(svgNumber(Self.left + (Double(index) + 0.5) * Self.cellWidth))\" y=\"\(svgNumber(Self.top - 6))\" text-anchor=\"middle\">\(HTML.escape(name))</text>"
            )
        }
        for (rowIndex, name) in rows.enumerated() {
            let y = Self.top + Double(rowIndex) * Self.cellHeight
            parts.append(
                "<text class=\"tick\" x=\"\(svgNumber(Self.left - 6))\" y=\"\(svgNumber(y + 15))\" text-anchor=\"end\">\(HTML.escape(name))</text>"
            )
            for (columnIndex, value) in values[rowIndex].enumerated() {
                guard let value else { continue }
                let x = Self.left + Double(columnIndex) * Self.cellWidth
                let fill = Self.colour(value, lowest: lowest, highest: highest, largest: largest)
                let tip =
                    "\(rowLabel.isEmpty ? "" : rowLabel + " ")\(name), \(columnLabel.isEmpty ? "" : columnLabel + " ")\(columns[columnIndex]): \(format.text(value))"
                parts.append(
                    "<rect class=\"cell\" x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" width=\"\(svgNumber(Self.cellWidth - 1))\" height=\"\(svgNumber(Self.cellHeight - 1))\" fill=\"\(fill)\" data-tip=\"\(HTML.escape(tip))\"/>"
                )
                parts.append(
                    "<text class=\"cell-text\" x=\"\(svgNumber(x + Self.cellWidth / 2))\" y=\"\(svgNumber(y + 15))\" text-anchor=\"middle\">\(HTML.escape(Self.short(value, format)))</text>"
                )
            }
        }
        if !rowLabel.isEmpty || !columnLabel.isEmpty {
            parts.append(
                "<text class=\"label\" x=\"\(svgNumber(Self.left))\" y=\"\(svgNumber(height - 8))\">\(HTML.escape([rowLabel, columnLabel].filter { !$0.isEmpty }.joined(separator: " × ")))</text>"
            )
        }
        parts.append("</svg>")
        return parts.joined()
    }

    /// The value in a cell's few characters: percentages with one decimal, others to three significant digits.
    static func short(_ value: Double, _ format: AxisFormat) -> String {
        guard value.isFinite else { return value.isNaN ? "?" : value > 0 ? "+∞" : "−∞" }
        switch format {
        case .percent: return ReadableNumbers.decimal(value * 100, decimals: abs(value) >= 1 ? 0 : 1)
        case .number, .date: return ReadableNumbers.significant(value)
        }
    }

    /// `#rrggbb` for `value`: diverging around zero when the values cross it, else a single hue by rank.
    static func colour(_ value: Double, lowest: Double, highest: Double, largest: Double) -> String {
        guard value.isFinite else { return value > 0 ? "#1a7f37" : "#b42318" }
        let (red, green, blue): (Double, Double, Double)
        if lowest < 0 && highest > 0 || lowest == highest {
            let strength = min(1, abs(value) / largest)
            (red, green, blue) =
                value >= 0
                ? (255 - 229 * strength, 255 - 128 * strength, 255 - 200 * strength)
                : (255 - 75 * strength, 255 - 220 * strength, 255 - 231 * strength)
        } else {
            let strength = (value - lowest) / (highest - lowest)
            (red, green, blue) = (239 - 200 * strength, 246 - 150 * strength, 255 - 90 * strength)
        }
        func hex(_ component: Double) -> String {
            let byte = Int(min(255, max(0, component.rounded())))
            let digits = Array("0123456789abcdef")
            return String([digits[byte / 16], digits[byte % 16]])
        }
        return "#" + hex(red) + hex(green) + hex(blue)
    }
}
