import Foundation
import HaasAPI
import JSON

/// What `haasledger backtest run` was asked to run.
public struct BacktestRequest: Sendable {
    /// Which way the strategy may trade. HaasOnline's settings know one-way (0) and hedge (1) position modes;
    /// `both` is hedge, `long` and `short` are one-way with the side sent as `direction` (the real server's
    /// member for it is unverified; the simulator honours it).
    public enum PositionMode: String, Sendable, CaseIterable {
        case long, short, both
    }

    public var client: HaasClientConfiguration
    public var scriptID: String
    /// Market, account, interval, inputs and trading settings.
    public var settings: ScriptSettings
    /// Unix seconds.
    public var start: Int64
    public var end: Int64
    /// The client-chosen id; a new UUID when nil. Running the same id again follows the backtest already
    /// started under it instead of starting another.
    public var backtestID: String?
    /// Return once the server has accepted it.
    public var detach: Bool
    /// Between status polls.
    public var pollInterval: Duration
    public var formulas: FormulaChoice

    public init(
        client: HaasClientConfiguration, scriptID: String, settings: ScriptSettings, start: Int64, end: Int64,
        backtestID: String? = nil, detach: Bool = false, pollInterval: Duration = .seconds(2),
        formulas: FormulaChoice = .none
    ) {
        self.client = client
        self.scriptID = scriptID
        self.settings = settings
        self.start = start
        self.end = end
        self.backtestID = backtestID
        self.detach = detach
        self.pollInterval = pollInterval
        self.formulas = formulas
    }

    /// Checks what can be checked before anything is sent.
    func validate() throws {
        if let backtestID, UUID(uuidString: backtestID) == nil {
            throw LedgerError.invalidArgument(flag: "--id", reason: "'\(backtestID)' is not a UUID")
        }
        guard start < end else {
            throw LedgerError.invalidArgument(flag: "--from/--to", reason: "the period must end after it starts")
        }
        try settings.validate()
    }
}

/// The HaasScriptSettings a script runs under (haas-api.md §3.4): market, account, interval, inputs and the
/// trading settings, as `backtest run`, `script debug` and `script quicktest` take them.
public struct ScriptSettings: Sendable {
    public var market: String
    public var accountID: String
    public var interval: Int
    public var parameters: [(key: String, value: String)]
    public var leverage: Double?
    public var positionMode: BacktestRequest.PositionMode?
    public var tradeAmount: Double?

    public init(
        market: String = "", accountID: String = "", interval: Int = 15,
        parameters: [(key: String, value: String)] = [],
        leverage: Double? = nil, positionMode: BacktestRequest.PositionMode? = nil, tradeAmount: Double? = nil
    ) {
        self.market = market
        self.accountID = accountID
        self.interval = interval
        self.parameters = parameters
        self.leverage = leverage
        self.positionMode = positionMode
        self.tradeAmount = tradeAmount
    }

    /// Checks the flags before anything is sent (for backtests, debug runs and quick tests alike).
    func validate() throws {
        guard interval > 0 else { throw LedgerError.invalidArgument(flag: "--interval", reason: "must be at least 1") }
        if let leverage, !(leverage > 0) {
            throw LedgerError.invalidArgument(flag: "--leverage", reason: "must be above 0")
        }
        if let tradeAmount, !(tradeAmount > 0) {
            throw LedgerError.invalidArgument(flag: "--trade-amount", reason: "must be above 0")
        }
        var seen = Set<String>()
        for parameter in parameters where !seen.insert(parameter.key).inserted {
            throw LedgerError.invalidArgument(flag: "--param", reason: "\(parameter.key) is given twice")
        }
    }

    /// The parameters as the script's inputs take them: each name must be an input of the script (when the
    /// record lists its inputs), numbers are sent as numbers.
    func scriptParameters(inputs: [ScriptInput]?) throws -> [(key: String, value: JSONValue)] {
        try parameters.map { key, value in
            if let inputs, let input = inputs.first(where: { $0.name == key }) {
                if let number = Double(value), let minimum = input.minimum, let maximum = input.maximum,
                    number < minimum || number > maximum
                {
                    throw LedgerError.invalidArgument(
                        flag: "--param \(key)",
                        reason: "\(value) is outside the input's range \(minimum.shortText)…\(maximum.shortText)")
                }
            } else if let inputs {
                let known = inputs.map(\.name)
                let hint = DebugResult.nearest(to: key, in: Set(known)).map { "; did you mean '\($0)'?" } ?? ""
                throw LedgerError.invalidArgument(
                    flag: "--param \(key)",
                    reason: "the script has no input '\(key)' (its inputs: \(known.joined(separator: ", ")))\(hint)")
            }
            let number = Double(value).flatMap { $0.isFinite ? JSONNumber($0) : nil }
            return (key, number.map(JSONValue.number) ?? .string(value))
        }
    }

    /// The HaasScriptSettings JSON (haas-api.md §3.4) for EXECUTE_BACKTEST, canonical, so the same request is
    /// the same bytes.
    func settings(scriptParameters: [(key: String, value: JSONValue)]) -> JSONValue {
        let mode = positionMode ?? .both
        var members: [(key: String, value: JSONValue)] = [
            ("botId", .string("")), ("botName", .string("")), ("accountId", .string(accountID)),
            ("marketTag", .string(market)), ("positionMode", .number(mode == .both ? 1 : 0)),
            ("marginMode", .number(0)), ("interval", .number(interval)), ("chartStyle", .number(300)),
            ("orderTemplate", .number(500)), ("scriptParameters", .object(scriptParameters)),
        ]
        if let leverage, let number = JSONNumber(leverage) { members.append(("leverage", .number(number))) }
        if let tradeAmount, let number = JSONNumber(tradeAmount) { members.append(("tradeAmount", .number(number))) }
        if mode != .both { members.append(("direction", .string(mode.rawValue))) }
        return .object(members)
    }
}

/// A script input as the script record lists it (`CR.I`; its fields are unverified, the simulator's names).
struct ScriptInput: Sendable {
    let name: String
    let defaultValue: JSONValue?
    let minimum: Double?
    let maximum: Double?

    /// The record's inputs, or nil when it does not list them (then parameters go unchecked).
    static func inputs(of record: ScriptRecord) -> [ScriptInput]? {
        guard case .array(let items)? = record.compileResult?["I"] else { return nil }
        return items.compactMap { item in
            guard let name = item["K"]?.stringValue ?? item["N"]?.stringValue else { return nil }
            return ScriptInput(
                name: name, defaultValue: item["D"], minimum: item["MIN"]?.numberValue?.doubleValue,
                maximum: item["MAX"]?.numberValue?.doubleValue)
        }
    }
}

extension Double {
    /// `20` rather than `20.0`, for messages.
    var shortText: String { self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self) }
}
