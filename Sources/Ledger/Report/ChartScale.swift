/// A linear map from data to pixels, with round tick values a person reads at a glance (1, 2 or 5 × 10ⁿ).
struct ChartScale: Sendable {
    let lower: Double
    let upper: Double
    let start: Double
    let end: Double

    /// `values`' span (padded when flat or empty) mapped onto `start…end`; non-finite values are ignored.
    init(covering values: [Double], from start: Double, to end: Double, includingZero: Bool = false) {
        var finite = values.filter(\.isFinite)
        if includingZero { finite.append(0) }
        var lower = finite.min() ?? 0
        var upper = finite.max() ?? 1
        if lower == upper {
            let pad = lower == 0 ? 1 : abs(lower) * 0.1
            lower -= pad
            upper += pad
        }
        let step = Self.step(span: upper - lower, count: 5)
        self.lower = (lower / step).rounded(.down) * step
        self.upper = (upper / step).rounded(.up) * step
        self.start = start
        self.end = end
    }

    init(lower: Double, upper: Double, from start: Double, to end: Double) {
        self.lower = lower
        self.upper = upper == lower ? lower + 1 : upper
        self.start = start
        self.end = end
    }

    func callAsFunction(_ value: Double) -> Double {
        let clamped = min(max(value, lower), upper)
        return start + (clamped - lower) / (upper - lower) * (end - start)
    }

    /// Round values from `lower` to `upper`, about `count` of them: whole multiples of the step, each divided
    /// out of an integer so 0.6 is 0.6 and not 0.6000000000000001.
    func ticks(count: Int = 5) -> [Double] {
        let step = Self.step(span: upper - lower, count: count)
        let scale = step < 1 ? ReadableNumbers.pow10(-Int(step.log10Floor)) : 1
        let first = Int((lower / step - 1e-9).rounded(.up))
        let last = Int((upper / step + 1e-9).rounded(.down))
        guard first <= last else { return [] }
        return (first...min(last, first + 50)).map { multiple in
            (Double(multiple) * step * scale).rounded() / scale
        }
    }

    /// 1, 2 or 5 × 10ⁿ, the round step that cuts `span` into about `count` parts.
    static func step(span: Double, count: Int) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / Double(max(1, count))
        let magnitude = ReadableNumbers.pow10(Int(raw.log10Floor))
        let fraction = raw / magnitude
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * magnitude
    }
}

/// Pixel coordinates with one decimal, so the same data always draws the same bytes.
func svgNumber(_ value: Double) -> String {
    ReadableNumbers.decimal(value, decimals: 1)
}
