import Foundation
import JSON
import Platform

/// One script input a sweep searches, and the values it may take.
public struct SweepParameter: Sendable, Equatable {
    public enum Domain: Sendable, Equatable {
        /// Whole numbers from `low` to `high` in `step`s; `log` samples them evenly in log space.
        case integer(low: Int64, high: Int64, step: Int64, log: Bool)
        /// Real numbers in `low…high`, snapped to `step` when there is one.
        case real(low: Double, high: Double, step: Double?, log: Bool)
        /// One of the listed values (numbers or strings), as the script's input takes them.
        case choice([JSONValue])
    }

    public let name: String
    public let domain: Domain

    /// Checks the bounds; `field` names where the parameter was given (a flag, or a key of the file `source`).
    public init(name: String, domain: Domain, field: String, source: String? = nil) throws {
        func bad(_ reason: String) -> LedgerError {
            if let source { return .invalidFile(path: source, field: field, reason: reason) }
            return .invalidArgument(flag: field, reason: "\(name): \(reason)")
        }
        guard !name.isEmpty else { throw bad("a parameter needs a name") }
        switch domain {
        case .integer(let low, let high, let step, let log):
            guard low <= high else { throw bad("the range \(low)…\(high) is empty") }
            guard step >= 1 else { throw bad("the step must be at least 1") }
            if log && low < 1 { throw bad("a log scale needs a lower bound of at least 1") }
            if log && step != 1 { throw bad("a log scale takes no step") }
        case .real(let low, let high, let step, let log):
            guard low.isFinite, high.isFinite, low < high else { throw bad("the range \(low)…\(high) is empty") }
            if let step, !(step > 0) || !step.isFinite { throw bad("the step must be above 0") }
            if log && !(low > 0) { throw bad("a log scale needs a lower bound above 0") }
            if log && step != nil { throw bad("a log scale takes no step") }
        case .choice(let values):
            guard !values.isEmpty else { throw bad("give at least one choice") }
            guard Set(values.map(CanonicalJSON.string)).count == values.count else {
                throw bad("a choice is listed twice")
            }
        }
        self.name = name
        self.domain = domain
    }

    /// Parses the flag forms: `--int NAME=LOW:HIGH[:STEP|:log]`, `--real NAME=LOW:HIGH[:STEP|:log]` and
    /// `--choice NAME=A,B,C`.
    public init(flag: String, text: String) throws {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw LedgerError.invalidArgument(flag: flag, reason: "'\(text)': expected NAME=…")
        }
        let name = String(text[..<equals])
        let spec = String(text[text.index(after: equals)...])
        func bad(_ reason: String) -> LedgerError { .invalidArgument(flag: flag, reason: "'\(text)': \(reason)") }
        switch flag {
        case "--choice":
            let values = spec.split(separator: ",", omittingEmptySubsequences: false).map { item -> JSONValue in
                let item = item.trimmingCharacters(in: .whitespaces)
                return Double(item).flatMap(JSONNumber.init).map(JSONValue.number) ?? .string(item)
            }
            try self.init(name: name, domain: .choice(values), field: flag)
        default:
            let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 || parts.count == 3 else {
                throw bad("expected LOW:HIGH, LOW:HIGH:STEP or LOW:HIGH:log")
            }
            let log = parts.count == 3 && parts[2] == "log"
            if flag == "--int" {
                guard let low = Int64(parts[0]), let high = Int64(parts[1]) else {
                    throw bad("the bounds must be integers")
                }
                let step = parts.count == 3 && !log ? Int64(parts[2]) : 1
                guard let step else { throw bad("the step must be an integer or 'log'") }
                try self.init(name: name, domain: .integer(low: low, high: high, step: step, log: log), field: flag)
            } else {
                guard let low = Double(parts[0]), let high = Double(parts[1]) else {
                    throw bad("the bounds must be numbers")
                }
                var step: Double?
                if parts.count == 3 && !log {
                    guard let number = Double(parts[2]) else { throw bad("the step must be a number or 'log'") }
                    step = number
                }
                try self.init(name: name, domain: .real(low: low, high: high, step: step, log: log), field: flag)
            }
        }
    }

    /// The grid a `grid` sampler walks: every value, in order; nil for a real range without a step.
    var gridValues: [JSONValue]? {
        switch domain {
        case .integer(let low, let high, let step, let log):
            if log { return Array(low...high).map { .number($0) } }
            return stride(from: low, through: high, by: Int(step)).map { .number($0) }
        case .real(let low, let high, let step?, _):
            let count = Int(((high - low) / step + 1e-9).rounded(.down))
            return (0...count).map { value(internal: low + Double($0) * step) }
        case .real: return nil
        case .choice(let values): return values
        }
    }

    /// The domain in the space the samplers work in: numbers on a line (log-scaled where asked), widened by
    /// half a step at each end so the end values are as likely as the others; choices by index.
    var line: (low: Double, high: Double, log: Bool)? {
        switch domain {
        case .integer(let low, let high, let step, let log):
            let half = Double(step) / 2
            return log
                ? (Foundation.log(Double(low) - 0.5), Foundation.log(Double(high) + 0.5), true)
                : (Double(low) - half, Double(high) + half, false)
        case .real(let low, let high, let step, let log):
            if log { return (Foundation.log(low), Foundation.log(high), true) }
            let half = (step ?? 0) / 2
            return (low - half, high + half, false)
        case .choice: return nil
        }
    }

    /// A point of `line` as the value sent: rounded to the step and kept inside the bounds.
    func value(line point: Double) -> JSONValue {
        guard let line else { return .null }
        return value(internal: line.log ? exp(point) : point)
    }

    /// A number of the input's own scale, snapped and clamped.
    private func value(internal number: Double) -> JSONValue {
        switch domain {
        case .integer(let low, let high, let step, _):
            let steps = ((number - Double(low)) / Double(step)).rounded()
            let snapped = low + Int64(max(0, steps)) * step
            return .number(min(high - (high - low) % step, max(low, snapped)))
        case .real(let low, let high, let step, _):
            var value = min(high, max(low, number))
            if let step {
                value = low + ((value - low) / step).rounded() * step
                // 0.1 steps print as 0.3, not 0.30000000000000004: round to the step's decimals.
                let decimals = max(0, Int(-Foundation.log10(step).rounded(.down)) + 1)
                let scale = pow(10, Double(min(decimals, 12)))
                value = min(high, (value * scale).rounded() / scale)
            }
            return JSONNumber(value).map(JSONValue.number) ?? .null
        case .choice: return .null
        }
    }

    /// The point of `line` a value sent lies at (for the samplers' model of told trials).
    func linePoint(of value: JSONValue) -> Double? {
        guard let line, let number = value.numberValue?.doubleValue, number.isFinite else { return nil }
        return line.log ? Foundation.log(number) : number
    }

    /// The index of a value among the choices.
    func choiceIndex(of value: JSONValue) -> Int? {
        guard case .choice(let values) = domain else { return nil }
        return values.firstIndex(of: value)
    }

    /// Where a value lies for TPE: its point on the line, or its index among the choices.
    func coordinate(of value: JSONValue) -> Double? {
        if case .choice = domain { return choiceIndex(of: value).map(Double.init) }
        return linePoint(of: value)
    }

    /// A value drawn evenly from the domain.
    func uniform(_ random: inout SplitMix64) -> JSONValue {
        if case .choice(let values) = domain { return values[Int(random.unit() * Double(values.count))] }
        guard let line else { return .null }
        return value(line: line.low + random.unit() * (line.high - line.low))
    }

    /// A value as the script's input takes it (`--param KEY=VALUE`).
    static func text(_ value: JSONValue) -> String { value.stringValue ?? CanonicalJSON.string(value) }
}

extension SweepParameter {
    /// How a definition file gives it and `haas.sweep.started` records it: `{"int": [5, 60], "step": 1}`,
    /// `{"real": [0.5, 6], "step": 0.1}`, `{"real": [0.001, 1], "log": true}` or `{"choices": ["a", "b"]}`.
    var json: JSONValue {
        switch domain {
        case .integer(let low, let high, let step, let log):
            return .object([
                ("int", .array([.number(low), .number(high)])), ("step", .number(step)), ("log", .bool(log)),
            ])
        case .real(let low, let high, let step, let log):
            return .object([
                ("real", .array([.optional(low), .optional(high)])), ("step", .optional(step)), ("log", .bool(log)),
            ])
        case .choice(let values):
            return .object([("choices", .array(values))])
        }
    }

    /// Reads the form `json` writes; `field` (`parameters.Period`) and `source` name it in errors.
    init(name: String, json: JSONValue, field: String, source: String) throws {
        func bad(_ reason: String) -> LedgerError { .invalidFile(path: source, field: field, reason: reason) }
        guard case .object(let members) = json else { throw bad("expected a table such as {int = [5, 60]}") }
        let known = ["int", "real", "choices", "step", "log"]
        if let unknown = members.first(where: { !known.contains($0.key) }) {
            throw bad("unknown key '\(unknown.key)' (known: \(known.joined(separator: ", ")))")
        }
        let log = json["log"] == .bool(true)
        if let range = json["int"] {
            guard case .array(let bounds) = range, bounds.count == 2, let low = bounds[0].numberValue?.int64Value,
                let high = bounds[1].numberValue?.int64Value
            else { throw bad("int: expected [LOW, HIGH] with whole numbers") }
            let step = json["step"].map { $0.numberValue?.int64Value ?? 0 } ?? 1
            try self.init(
                name: name, domain: .integer(low: low, high: high, step: step, log: log), field: field, source: source)
        } else if let range = json["real"] {
            guard case .array(let bounds) = range, bounds.count == 2, let low = bounds[0].numberValue?.doubleValue,
                let high = bounds[1].numberValue?.doubleValue
            else { throw bad("real: expected [LOW, HIGH]") }
            var step: Double?
            if let value = json["step"], value != .null {
                guard let number = value.numberValue?.doubleValue else { throw bad("step: expected a number") }
                step = number
            }
            try self.init(
                name: name, domain: .real(low: low, high: high, step: step, log: log), field: field, source: source)
        } else if case .array(let values)? = json["choices"] {
            try self.init(name: name, domain: .choice(values), field: field, source: source)
        } else {
            throw bad("give int = [LOW, HIGH], real = [LOW, HIGH] or choices = [...]")
        }
    }
}
