import BacktestMetrics
import EventLog
import JSON
import LedgerEvents

/// Which formula set a command computes or reads under.
///
/// A user chooses one with `--formula`, else `HAASLEDGER_FORMULA`, else `formula` in the config file. Without a
/// choice a ledger keeps to what it holds: the formulas it was recorded and recomputed under (so a ledger
/// recorded under `canonical@1` before `@2` shipped still answers under `@1`), and a new ledger gets
/// `FormulaRegistry.defaultName`.
public struct FormulaChoice: Sendable, Equatable {
    /// The chosen name and where it came from (the flag or variable to name in an error), if a choice was made.
    public let chosen: (name: String, source: String)?

    public static let none = FormulaChoice(chosen: nil)

    public init(chosen: (name: String, source: String)?) { self.chosen = chosen }

    public static func == (lhs: FormulaChoice, rhs: FormulaChoice) -> Bool {
        lhs.chosen?.name == rhs.chosen?.name && lhs.chosen?.source == rhs.chosen?.source
    }

    public static func resolve(flag: String?, environment: [String: String], configuration: LedgerConfiguration)
        -> FormulaChoice
    {
        if let flag, !flag.isEmpty { return FormulaChoice(chosen: (flag, "--formula")) }
        if let name = environment["HAASLEDGER_FORMULA"], !name.isEmpty {
            return FormulaChoice(chosen: (name, "HAASLEDGER_FORMULA"))
        }
        if let name = configuration.formula { return FormulaChoice(chosen: (name, "\(configuration.source): formula")) }
        return .none
    }

    /// The sets a recording command computes: the chosen one first, then every other the ledger holds, so no
    /// formula a ledger keeps ever has gaps; a new ledger without a choice gets the built-in default.
    public func toRecord(_ log: EventLog) throws -> [FormulaSet] { try toRecord(held: Self.held(log)) }

    /// `toRecord` for a ledger holding `held` (none: a new ledger, or a dry run without one).
    func toRecord(held: [String]) throws -> [FormulaSet] {
        let names = Self.unique(
            (chosen.map { [$0.name] } ?? (held.isEmpty ? [FormulaRegistry.defaultName] : [])) + held)
        return try names.map { name in
            guard let set = FormulaRegistry.builtIn.find(name) else {
                let known = FormulaRegistry.builtIn.sets.map(\.name).joined(separator: ", ")
                throw LedgerError.invalidArgument(
                    flag: chosen?.name == name ? chosen?.source ?? "--formula" : "--formula",
                    reason: "unknown formula \(name) (known: \(known))")
            }
            return set
        }
    }

    /// The formula a read command answers under, and what to name if it was never recorded: the chosen one,
    /// else the built-in default when the ledger holds it, else the first the ledger was recorded under.
    public func toRead(_ log: EventLog) throws -> (name: String, source: String) {
        try toRead(log as any LedgerEventSource)
    }

    func toRead(_ source: any LedgerEventSource) throws -> (name: String, source: String) {
        if let chosen { return chosen }
        let held = try Self.held(source)
        let name = held.contains(FormulaRegistry.defaultName) ? FormulaRegistry.defaultName : held.first
        return (name ?? FormulaRegistry.defaultName, Self.defaultSource)
    }

    /// How a resolved formula came to be used, for a person: "the default" or "from HAASLEDGER_FORMULA".
    public static func describe(_ resolved: (name: String, source: String)) -> String {
        resolved.source == Self.defaultSource ? "the default" : "from \(resolved.source)"
    }

    /// The source of a formula nobody chose.
    static let defaultSource = "default"

    /// For commands without a ledger (`metrics check`): the chosen one, else the built-in default.
    public var withoutLedger: (name: String, source: String) {
        chosen ?? (FormulaRegistry.defaultName, Self.defaultSource)
    }

    /// The formulas a ledger holds, in the order it took them on: the one its first `metrics.computed` event
    /// names (ledgers older than the `formulas` member of `run.started`), then each run's `formulas`.
    static func held(_ source: any LedgerEventSource) throws -> [String] {
        let (first, runs) = try source.formulaEvidence()
        var names = first?["formula"]?.stringValue.map { [$0] } ?? []
        for run in runs {
            if case .array(let items)? = run["formulas"] { names += items.compactMap(\.stringValue) }
        }
        return unique(names)
    }

    private static func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}
