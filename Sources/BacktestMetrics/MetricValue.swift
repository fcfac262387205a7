/// A metric's value. Ratios whose denominator is exactly zero are ±∞ (non-zero numerator) or undefined
/// (0/0, no trades, too few periods) — never a placeholder such as 0 or 10.
public enum MetricValue: Sendable, Equatable, CustomStringConvertible {
    case value(Double)
    case plusInfinity
    case minusInfinity
    case undefined

    public init(_ number: Double) {
        if number.isNaN {
            self = .undefined
        } else if number == .infinity {
            self = .plusInfinity
        } else if number == -.infinity {
            self = .minusInfinity
        } else {
            self = .value(number)
        }
    }

    /// `numerator / denominator`, with the special cases spelled out.
    static func ratio(_ numerator: Double, _ denominator: Double) -> MetricValue {
        guard !numerator.isNaN, !denominator.isNaN else { return .undefined }
        if denominator == 0 {
            if numerator == 0 { return .undefined }
            return numerator > 0 ? .plusInfinity : .minusInfinity
        }
        return MetricValue(numerator / denominator)
    }

    public var double: Double {
        switch self {
        case .value(let number): return number
        case .plusInfinity: return .infinity
        case .minusInfinity: return -.infinity
        case .undefined: return .nan
        }
    }

    /// The text stored for non-finite values: `+inf`, `-inf`, `undefined`.
    public var description: String {
        switch self {
        case .value(let number): return String(number)
        case .plusInfinity: return "+inf"
        case .minusInfinity: return "-inf"
        case .undefined: return "undefined"
        }
    }
}

/// Named metric values in a fixed order.
public struct MetricValues: Sendable, Equatable {
    public private(set) var entries: [(name: String, value: MetricValue)] = []

    public init() {}

    public static func == (lhs: MetricValues, rhs: MetricValues) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    mutating func set(_ name: String, _ value: MetricValue) { entries.append((name, value)) }
    mutating func set(_ name: String, _ number: Double) { set(name, MetricValue(number)) }

    public subscript(name: String) -> MetricValue? { entries.first { $0.name == name }?.value }
}
