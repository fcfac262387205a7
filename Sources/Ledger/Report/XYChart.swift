/// How an axis labels its numbers: fractions as percentages, the rest to four significant digits, times as dates.
enum AxisFormat: Sendable {
    case percent
    case number
    /// Unix seconds, labelled YYYY-MM-DD.
    case date

    func text(_ value: Double) -> String {
        switch self {
        case .percent:
            return ReadableNumbers.grouped(value * 100, decimals: abs(value) < 0.1 && value != 0 ? 1 : 0) + "%"
        case .number: return ReadableNumbers.significant(value)
        case .date: return CivilDate(seconds: value).text
        }
    }
}

/// One axis: what it measures, its format and its scale.
struct ChartAxis: Sendable {
    let label: String
    let format: AxisFormat
    let scale: ChartScale
}

/// An x/y chart drawn as inline SVG: axes with round ticks and grid lines, and marks added in order. Every mark
/// may carry a tooltip (`data-tip`, shown by the report's script). Only pixels are written, one decimal each,
/// so equal data gives equal bytes.
struct XYChart {
    static let width = 560.0
    static let height = 320.0
    static let left = 64.0
    static let right = 16.0
    static let top = 36.0
    static let bottom = 44.0

    let title: String
    let x: ChartAxis
    let y: ChartAxis
    private var marks: [String] = []

    /// A chart whose axes cover `xValues` and `yValues`.
    init(
        title: String, x label: String, _ xFormat: AxisFormat, covering xValues: [Double], y yLabel: String,
        _ yFormat: AxisFormat, covering yValues: [Double], yIncludingZero: Bool = false
    ) {
        self.title = title
        x = ChartAxis(
            label: label, format: xFormat,
            scale: ChartScale(covering: xValues, from: Self.left, to: Self.width - Self.right))
        y = ChartAxis(
            label: yLabel, format: yFormat,
            scale: ChartScale(
                covering: yValues, from: Self.height - Self.bottom, to: Self.top, includingZero: yIncludingZero))
    }

    init(title: String, x: ChartAxis, y: ChartAxis) {
        self.title = title
        self.x = x
        self.y = y
    }

    static func xRange() -> (Double, Double) { (left, width - right) }
    static func yRange() -> (Double, Double) { (height - bottom, top) }

    mutating func point(_ px: Double, _ py: Double, tip: String, className: String = "pt", radius: Double = 3) {
        marks.append(
            "<circle class=\"\(className)\" cx=\"\(svgNumber(x.scale(px)))\" cy=\"\(svgNumber(y.scale(py)))\" r=\"\(svgNumber(radius))\" data-tip=\"\(HTML.escape(tip))\"/>"
        )
    }

    mutating func line(_ points: [(x: Double, y: Double)], className: String = "line") {
        guard !points.isEmpty else { return }
        marks.append("<path class=\"\(className)\" d=\"\(path(points))\"/>")
    }

    /// The region between `points` and the zero line (an underwater curve).
    mutating func area(_ points: [(x: Double, y: Double)], className: String = "area") {
        guard let first = points.first, let last = points.last else { return }
        let zero = svgNumber(y.scale(0))
        marks.append(
            "<path class=\"\(className)\" d=\"M\(svgNumber(x.scale(first.x))) \(zero)L\(path(points).dropFirst())L\(svgNumber(x.scale(last.x))) \(zero)Z\"/>"
        )
    }

    /// A bar from `x0` to `x1`, from zero to `height`.
    mutating func bar(from x0: Double, to x1: Double, height: Double, tip: String) {
        let top = y.scale(max(height, 0))
        let base = y.scale(min(height, 0))
        marks.append(
            "<rect class=\"bar\" x=\"\(svgNumber(x.scale(x0) + 0.5))\" y=\"\(svgNumber(top))\" width=\"\(svgNumber(max(0.5, x.scale(x1) - x.scale(x0) - 1)))\" height=\"\(svgNumber(max(0.5, base - top)))\" data-tip=\"\(HTML.escape(tip))\"/>"
        )
    }

    /// Points binned into a grid (`DensityGrid`), each cell drawn in one of six shades by its count: a chart of
    /// 100,000 points stays a few kilobytes.
    mutating func density(_ grid: DensityGrid) {
        guard let most = grid.counts.values.max() else { return }
        note("\(ReadableNumbers.significant(Double(grid.points))) points binned; darkest cell: \(most)")
        let (x0, _) = Self.xRange()
        let (y0, _) = Self.yRange()
        var shades = Array(repeating: "", count: 6)
        for (cell, count) in grid.counts.sorted(by: { $0.key < $1.key }) {
            let shade = min(5, Int(Double(count) / Double(most) * 5.999))
            let left = x0 + Double(cell % DensityGrid.columns) * DensityGrid.cellWidth
            let top = y0 - Double(cell / DensityGrid.columns + 1) * DensityGrid.cellHeight
            shades[shade] +=
                "M\(svgNumber(left)) \(svgNumber(top))h\(svgNumber(DensityGrid.cellWidth))v\(svgNumber(DensityGrid.cellHeight))h-\(svgNumber(DensityGrid.cellWidth))z"
        }
        for (shade, path) in shades.enumerated() where !path.isEmpty {
            marks.append("<path class=\"density d\(shade)\" d=\"\(path)\"/>")
        }
    }

    /// A line of small print at the top right, under the title.
    mutating func note(_ text: String) {
        marks.append(
            "<text class=\"note\" x=\"\(svgNumber(Self.width - Self.right))\" y=\"\(svgNumber(Self.top - 8))\" text-anchor=\"end\">\(HTML.escape(text))</text>"
        )
    }

    /// A horizontal reference line at `value` (zero, say).
    mutating func rule(y value: Double) {
        let (x0, x1) = Self.xRange()
        let py = svgNumber(y.scale(value))
        marks.append("<path class=\"rule\" d=\"M\(svgNumber(x0)) \(py)H\(svgNumber(x1))\"/>")
    }

    private func path(_ points: [(x: Double, y: Double)]) -> String {
        var d = ""
        for (index, point) in points.enumerated() {
            d += (index == 0 ? "M" : "L") + svgNumber(x.scale(point.x)) + " " + svgNumber(y.scale(point.y))
        }
        return d
    }

    /// The chart as one `<svg>` element (with a title, axes, ticks, grid and the marks).
    var svg: String {
        let (x0, x1) = Self.xRange()
        let (y0, y1) = Self.yRange()
        var parts = [
            "<svg class=\"chart\" viewBox=\"0 0 \(svgNumber(Self.width)) \(svgNumber(Self.height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">",
            "<text class=\"title\" x=\"\(svgNumber(x0))\" y=\"16\">\(HTML.escape(title))</text>",
        ]
        for tick in x.scale.ticks() {
            let px = svgNumber(x.scale(tick))
            parts.append(
                "<path class=\"grid\" d=\"M\(px) \(svgNumber(y0))V\(svgNumber(y1))\"/><text class=\"tick\" x=\"\(px)\" y=\"\(svgNumber(y0 + 16))\" text-anchor=\"middle\">\(HTML.escape(x.format.text(tick)))</text>"
            )
        }
        for tick in y.scale.ticks() {
            let py = svgNumber(y.scale(tick))
            parts.append(
                "<path class=\"grid\" d=\"M\(svgNumber(x0)) \(py)H\(svgNumber(x1))\"/><text class=\"tick\" x=\"\(svgNumber(x0 - 6))\" y=\"\(svgNumber(y.scale(tick) + 4))\" text-anchor=\"end\">\(HTML.escape(y.format.text(tick)))</text>"
            )
        }
        parts.append(
            "<path class=\"axis\" d=\"M\(svgNumber(x0)) \(svgNumber(y1))V\(svgNumber(y0))H\(svgNumber(x1))\"/>")
        parts.append(contentsOf: marks)
        parts.append(
            "<text class=\"label\" x=\"\(svgNumber((x0 + x1) / 2))\" y=\"\(svgNumber(Self.height - 6))\" text-anchor=\"middle\">\(HTML.escape(x.label))</text>"
        )
        parts.append(
            "<text class=\"label\" transform=\"rotate(-90)\" x=\"\(svgNumber(-(y0 + y1) / 2))\" y=\"14\" text-anchor=\"middle\">\(HTML.escape(y.label))</text>"
        )
        parts.append("</svg>")
        return parts.joined()
    }
}

/// Points counted into the cells of a chart's plot area, 48 × 28, as they arrive: what a density chart holds of
/// any number of points.
struct DensityGrid {
    static let columns = 48
    static let rows = 28
    static let cellWidth = (XYChart.xRange().1 - XYChart.xRange().0) / Double(columns)
    static let cellHeight = (XYChart.yRange().0 - XYChart.yRange().1) / Double(rows)

    private let axes: (x: ChartScale, y: ChartScale)?
    private(set) var counts: [Int: Int] = [:]
    private(set) var points = 0

    /// A grid that counts nothing.
    init() { axes = nil }

    /// A grid over the plot area of a chart with these axes.
    init(_ axes: (x: ChartAxis, y: ChartAxis)) { self.axes = (axes.x.scale, axes.y.scale) }

    mutating func add(x: Double, y: Double) {
        guard let axes, x.isFinite, y.isFinite else { return }
        let column = min(Self.columns - 1, max(0, Int((axes.x(x) - XYChart.xRange().0) / Self.cellWidth)))
        let row = min(Self.rows - 1, max(0, Int((XYChart.yRange().0 - axes.y(y)) / Self.cellHeight)))
        counts[row * Self.columns + column, default: 0] += 1
        points += 1
    }
}
