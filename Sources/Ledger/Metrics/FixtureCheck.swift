import BacktestMetrics
import EventLog
import JSON

/// `haasledger metrics check`: recomputes every case of a `metrics-fixture/1` file and compares the results
/// with `expected.canonical` under the file's tolerance rule.
public struct FixtureCheck: Sendable {
    public struct Row: Sendable, Equatable {
        public let caseID: String
        public let metric: String
        public let expected: String
        public let actual: String
        public let passed: Bool
    }

    public let rows: [Row]
    public var passed: Bool { rows.allSatisfy(\.passed) }

    /// - Throws: `LedgerError.invalidFile` naming the field when the file is not a valid fixture.
    public static func run(_ source: LineSource, formula: FormulaSet) throws -> FixtureCheck {
        let reader = FixtureReader(path: source.name)
        let root: JSONValue
        do {
            root = try JSONParser.parse(source.bytes)
        } catch {
            throw LedgerError.invalidFile(path: source.name, field: "(document)", reason: "not JSON: \(error)")
        }
        guard root["schema"]?.stringValue == "metrics-fixture/1" else {
            throw LedgerError.invalidFile(path: source.name, field: "schema", reason: "expected \"metrics-fixture/1\"")
        }
        let relative = root["tolerance"]?["relative"]?.numberValue?.doubleValue ?? 1e-9
        let absolute = root["tolerance"]?["absolute"]?.numberValue?.doubleValue ?? 1e-12
        var rows: [Row] = []
        for (index, item) in try reader.array(root["cases"], "cases").enumerated() {
            let path = "cases[\(index)]"
            let caseID = try reader.string(item["case_id"], "\(path).case_id")
            let (inputs, settings) = try reader.inputs(item, path: path)
            let expected = try reader.object(
                item["expected"]?["canonical"]?["metrics"], "\(path).expected.canonical.metrics")
            let values = formula.compute(inputs, settings: settings)
            for (name, value) in expected {
                let fieldPath = "\(path).expected.canonical.metrics.\(name)"
                guard let actual = values[name] else {
                    rows.append(
                        Row(
                            caseID: caseID, metric: name, expected: reader.text(value), actual: "(not computed)",
                            passed: false))
                    continue
                }
                let passed = try reader.matches(actual, value, relative: relative, absolute: absolute, field: fieldPath)
                rows.append(
                    Row(
                        caseID: caseID, metric: name, expected: reader.text(value), actual: actual.description,
                        passed: passed))
            }
        }
        return FixtureCheck(rows: rows)
    }
}

/// Strict reading of fixture fields; every error names the field.
private struct FixtureReader {
    let path: String

    func fail(_ field: String, _ reason: String) -> LedgerError {
        .invalidFile(path: path, field: field, reason: reason)
    }

    func array(_ value: JSONValue?, _ field: String) throws -> [JSONValue] {
        guard case .array(let items)? = value else { throw fail(field, "expected an array") }
        return items
    }

    func object(_ value: JSONValue?, _ field: String) throws -> [(key: String, value: JSONValue)] {
        guard case .object(let members)? = value else { throw fail(field, "expected an object") }
        return members
    }

    func string(_ value: JSONValue?, _ field: String) throws -> String {
        guard let text = value?.stringValue else { throw fail(field, "expected a string") }
        return text
    }

    func number(_ value: JSONValue?, _ field: String) throws -> Double {
        guard let number = value?.numberValue?.doubleValue else { throw fail(field, "expected a number") }
        return number
    }

    func seconds(_ value: JSONValue?, _ field: String) throws -> Double {
        let text = try string(value, field)
        guard let micros = Timestamp.parse(text) else { throw fail(field, "not an ISO-8601 time: \(text)") }
        return Double(micros) / 1_000_000
    }

    func inputs(_ item: JSONValue, path: String) throws -> (MetricInputs, MetricSettings) {
        let settings = item["settings"]
        let inputs = item["inputs"]
        let equityPoints = try array(inputs?["equity"], "\(path).inputs.equity")
        guard !equityPoints.isEmpty else { throw fail("\(path).inputs.equity", "is empty") }
        let equity = try equityPoints.enumerated().map { try number($1["value"], "\(path).inputs.equity[\($0)].value") }
        let bars = try equityPoints.enumerated().map { try seconds($1["t"], "\(path).inputs.equity[\($0)].t") }
        let start = bars[0]
        let end = bars[bars.count - 1]
        var returns: [Double]?
        if let list = inputs?["returns"] {
            returns = try array(list, "\(path).inputs.returns").enumerated().map {
                try number($1["r"], "\(path).inputs.returns[\($0)].r")
            }
        }
        let trades = try array(inputs?["trades"] ?? .array([]), "\(path).inputs.trades").enumerated().map {
            index, trade in
            let field = "\(path).inputs.trades[\(index)]"
            let side = try string(trade["side"], "\(field).side")
            guard side == "long" || side == "short" else { throw fail("\(field).side", "expected long or short") }
            return Trade(
                side: side == "long" ? .long : .short, size: try number(trade["size"], "\(field).size"),
                entryTime: try seconds(trade["entry_time"], "\(field).entry_time"),
                exitTime: try seconds(trade["exit_time"], "\(field).exit_time"),
                entryPrice: try number(trade["entry_price"], "\(field).entry_price"),
                exitPrice: try number(trade["exit_price"], "\(field).exit_price"),
                fees: try number(trade["fees"], "\(field).fees"),
                netPnL: try number(trade["net_pnl"], "\(field).net_pnl"),
                returnOnEntry: trade["return_on_entry_value"]?.numberValue?.doubleValue)
        }
        let ppy = try number(settings?["periods_per_year"], "\(path).settings.periods_per_year")
        guard ppy > 0 else { throw fail("\(path).settings.periods_per_year", "must be positive") }
        let riskFree = settings?["risk_free_annual"].flatMap { $0 == .null ? nil : $0 }
        return (
            MetricInputs(
                equity: equity, returns: returns, trades: trades, startTime: start, endTime: end, barTimes: bars),
            MetricSettings(
                periodsPerYear: ppy,
                riskFreeAnnual: try riskFree.map { try number($0, "\(path).settings.risk_free_annual") } ?? 0)
        )
    }

    func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .number(let number): return number.canonicalText
        default: return CanonicalJSON.string(value)
        }
    }

    /// The fixture rule: |actual − expected| ≤ relative·|expected| + absolute; "inf", "-inf", "nan" exactly.
    func matches(_ actual: MetricValue, _ expected: JSONValue, relative: Double, absolute: Double, field: String) throws
        -> Bool
    {
        switch expected {
        case .string("inf"): return actual == .plusInfinity
        case .string("-inf"): return actual == .minusInfinity
        case .string("nan"): return actual == .undefined
        case .number(let number):
            guard case .value(let value) = actual else { return false }
            let target = number.doubleValue
            return abs(value - target) <= relative * abs(target) + absolute
        default:
            throw fail(field, "expected a number or one of \"inf\", \"-inf\", \"nan\"")
        }
    }
}
