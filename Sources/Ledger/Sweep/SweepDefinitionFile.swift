import BacktestMetrics
import Foundation
import JSON
import TOMLKit

/// A sweep definition as a file (TOML or JSON, the same keys) and as `haas.sweep.started` records it. The
/// recorded form is itself a valid file, so a sweep can be re-run from what the log says it was.
extension SweepDefinition {
    static let keys = [
        "script", "market", "account", "interval", "leverage", "position_mode", "trade_amount", "from", "to", "fixed",
        "parameters", "objective", "sampler", "budget", "runner", "labs", "poll_interval",
    ]

    /// The recorded form; `labs` only when trials run on labs, so a direct sweep's form stays as it was.
    var json: JSONValue {
        let members: [(key: String, value: JSONValue)] = [
            ("script", .string(scriptID)), ("market", .string(settings.market)),
            ("account", .string(settings.accountID)),
            ("interval", .number(settings.interval)), ("leverage", .optional(settings.leverage)),
            ("position_mode", .optional(settings.positionMode?.rawValue)),
            ("trade_amount", .optional(settings.tradeAmount)),
            ("from", .number(start)), ("to", .number(end)),
            ("fixed", .object(settings.parameters.map { ($0.key, .string($0.value)) })),
            ("parameters", .object(space.map { ($0.name, $0.json) })),
            (
                "objective",
                .object([
                    ("metric", .string(objective.metric)),
                    ("direction", .string(objective.maximize ? "maximize" : "minimize")),
                    ("formula", .string(objective.formula)),
                    ("constraints", .array(objective.constraints.map(JSONValue.string))),
                ])
            ),
            (
                "sampler",
                .object([
                    ("kind", .string(sampler.rawValue)), ("seed", .number(seed)),
                    ("startup_trials", .number(startupTrials)),
                ])
            ),
            (
                "budget",
                .object([
                    ("trials", .optional(trials)), ("time_limit", .optional(timeLimit)),
                    ("concurrency", .number(concurrency)),
                ])
            ),
            ("runner", .string(labs.isEmpty ? "direct" : "labs")),
            ("labs", labs.isEmpty ? .null : .array(labs.map(JSONValue.string))),
            (
                "poll_interval",
                .optional(Double(pollInterval.components.seconds) + Double(pollInterval.components.attoseconds) / 1e18)
            ),
        ]
        return .object(members.filter { $0.key != "labs" || $0.value != .null })
    }

    /// Reads a definition file: `.json` as JSON, anything else as TOML.
    public static func load(path: String) throws -> SweepDefinition {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LedgerError.unreadableInput(path: path, reason: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LedgerError.invalidFile(path: path, field: "(document)", reason: "not UTF-8 text")
        }
        let json: JSONValue
        if path.hasSuffix(".json") {
            do {
                json = try JSONParser.parse(text)
            } catch {
                throw LedgerError.invalidFile(path: path, field: "(document)", reason: "not JSON: \(error)")
            }
        } else {
            do {
                json = try TOMLConversion.json(TOMLTable(string: text))
            } catch let error as TOMLParseError {
                throw LedgerError.malformedInput(
                    source: path, line: error.source.begin.line,
                    reason: "\(error.description) (column \(error.source.begin.column))")
            }
        }
        return try SweepDefinition(json: json, source: path)
    }

    /// Reads the form `json` writes; `source` (a path, or the log position) names it in errors.
    init(json: JSONValue, source: String) throws {
        func bad(_ field: String, _ reason: String) -> LedgerError {
            .invalidFile(path: source, field: field, reason: reason)
        }
        guard case .object(let members) = json else { throw bad("(document)", "expected a table of settings") }
        if let unknown = members.first(where: { !Self.keys.contains($0.key) }) {
            let hint = DebugResult.nearest(to: unknown.key, in: Set(Self.keys)).map { "; did you mean '\($0)'?" } ?? ""
            throw bad(unknown.key, "unknown key\(hint)")
        }
        func text(_ value: JSONValue?, _ field: String) throws -> String? {
            guard let value, value != .null else { return nil }
            guard let text = value.stringValue else { throw bad(field, "expected a string, not \(value.kindName)") }
            return text
        }
        func number(_ value: JSONValue?, _ field: String) throws -> Double? {
            guard let value, value != .null else { return nil }
            guard let number = value.numberValue?.doubleValue else {
                throw bad(field, "expected a number, not \(value.kindName)")
            }
            return number
        }
        func integer(_ value: JSONValue?, _ field: String) throws -> Int? {
            guard let value = try number(value, field) else { return nil }
            guard let whole = Int(exactly: value) else { throw bad(field, "expected a whole number") }
            return whole
        }
        func moment(_ field: String) throws -> Int64 {
            guard let value = json[field], value != .null else { throw bad(field, "required") }
            if let seconds = value.numberValue?.int64Value { return seconds }
            guard let text = value.stringValue, let micros = Timestamp.parse(text) else {
                throw bad(field, "expected an ISO-8601 time (2026-01-01) or Unix seconds")
            }
            return micros / 1_000_000
        }
        func table(_ field: String, _ known: [String]) throws -> JSONValue {
            guard let value = json[field], value != .null else { return .object([]) }
            guard case .object(let members) = value else { throw bad(field, "expected a table") }
            if let unknown = members.first(where: { !known.contains($0.key) }) {
                throw bad("\(field).\(unknown.key)", "unknown key (known: \(known.joined(separator: ", ")))")
            }
            return value
        }
        var fixed: [(key: String, value: String)] = []
        if case .object(let inputs)? = json["fixed"] {
            fixed = inputs.map { ($0.key, SweepParameter.text($0.value)) }
        } else if let value = json["fixed"], value != .null {
            throw bad("fixed", "expected a table of input = value")
        }
        var mode: BacktestRequest.PositionMode?
        if let name = try text(json["position_mode"], "position_mode") {
            guard let parsed = BacktestRequest.PositionMode(rawValue: name) else {
                throw bad("position_mode", "expected long, short or both")
            }
            mode = parsed
        }
        let settings = ScriptSettings(
            market: try text(json["market"], "market") ?? "", accountID: try text(json["account"], "account") ?? "",
            interval: try integer(json["interval"], "interval") ?? 15, parameters: fixed,
            leverage: try number(json["leverage"], "leverage"), positionMode: mode,
            tradeAmount: try number(json["trade_amount"], "trade_amount"))
        guard case .object(let parameters)? = json["parameters"] else {
            throw bad("parameters", "required: a table of input = {int = [LOW, HIGH]} and the like")
        }
        let space = try parameters.map {
            try SweepParameter(name: $0.key, json: $0.value, field: "parameters.\($0.key)", source: source)
        }
        let objective = try table("objective", ["metric", "direction", "formula", "constraints"])
        guard let metric = try text(objective["metric"], "objective.metric") else {
            throw bad("objective.metric", "required (e.g. sortino_ratio)")
        }
        let direction = try text(objective["direction"], "objective.direction") ?? "maximize"
        guard ["maximize", "minimize"].contains(direction) else {
            throw bad("objective.direction", "expected maximize or minimize")
        }
        var constraints: [String] = []
        if let value = objective["constraints"], value != .null {
            guard case .array(let items) = value else {
                throw bad("objective.constraints", "expected a list of strings")
            }
            constraints = try items.map { try text($0, "objective.constraints") ?? "" }
        }
        let sampler = try table("sampler", ["kind", "seed", "startup_trials"])
        let kindName = try text(sampler["kind"], "sampler.kind") ?? "tpe"
        guard let kind = SweepSamplerKind(rawValue: kindName) else {
            throw bad("sampler.kind", "expected grid, random or tpe")
        }
        let seed = try integer(sampler["seed"], "sampler.seed") ?? 0
        guard seed >= 0 else { throw bad("sampler.seed", "must be 0 or more") }
        let budget = try table("budget", ["trials", "time_limit", "concurrency"])
        var timeLimit = try? number(budget["time_limit"], "budget.time_limit")
        if timeLimit == nil, let value = budget["time_limit"], value != .null {
            guard let text = value.stringValue, let seconds = SweepDefinition.seconds(text) else {
                throw bad("budget.time_limit", "expected seconds or a duration such as 90s, 30m or 2h")
            }
            timeLimit = seconds
        }
        let runner =
            try text(json["runner"], "runner") ?? (json["labs"].map { $0 != .null } == true ? "labs" : "direct")
        var labs: [String] = []
        switch runner {
        case "direct":
            if let value = json["labs"], value != .null {
                throw bad("labs", "trials run as lab runs only with runner = \"labs\"")
            }
        case "labs":
            guard case .array(let items)? = json["labs"], !items.isEmpty else {
                throw bad("labs", "required with runner = \"labs\": a list of lab ids, one trial in flight on each")
            }
            labs = try items.enumerated().map { index, item in try text(item, "labs[\(index)]") ?? "" }
        default:
            throw bad("runner", "'\(runner)': expected direct (each trial a direct backtest) or labs (each a lab run)")
        }
        let poll = try number(json["poll_interval"], "poll_interval") ?? 2
        guard poll >= 0 else { throw bad("poll_interval", "must be 0 or more seconds") }
        self.init(
            scriptID: try text(json["script"], "script") ?? "", settings: settings, start: try moment("from"),
            end: try moment("to"), space: space,
            objective: SweepObjective(
                metric: metric, maximize: direction == "maximize",
                formula: try text(objective["formula"], "objective.formula") ?? FormulaRegistry.defaultName,
                constraints: constraints),
            sampler: kind, seed: UInt64(seed),
            startupTrials: try integer(sampler["startup_trials"], "sampler.startup_trials") ?? 10,
            trials: try integer(budget["trials"], "budget.trials"), timeLimit: timeLimit,
            concurrency: try integer(budget["concurrency"], "budget.concurrency") ?? max(1, labs.count),
            pollInterval: .milliseconds(Int64((poll * 1_000).rounded())), labs: labs)
    }

    /// `90`, `90s`, `30m`, `2h` as seconds.
    public static func seconds(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600]
        if let unit = text.last, let scale = units[unit], let value = Double(text.dropLast()), value > 0 {
            return value * scale
        }
        return Double(text).flatMap { $0 > 0 ? $0 : nil }
    }
}

/// TOML documents as JSON values, so a TOML and a JSON definition go through one reader.
enum TOMLConversion {
    static func json(_ table: TOMLTable) -> JSONValue {
        .object(table.map { ($0.0, json($0.1)) })
    }

    static func json(_ value: any TOMLValueConvertible) -> JSONValue {
        if let table = value.table { return json(table) }
        if let array = value.array { return .array(array.map { json($0) }) }
        if let bool = value.bool { return .bool(bool) }
        if let integer = value.int { return .number(integer) }
        if let double = value.double { return .optional(double) }
        if let string = value.string { return .string(string) }
        return .string(value.debugDescription)
    }
}
