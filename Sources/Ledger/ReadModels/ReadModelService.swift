import EventLog
import Foundation
import JSON
import Projections
import SQLiteKit

/// Read commands: each opens the log, catches the read models up, and answers — as of a position or a time
/// when asked.
public struct ReadModelService {
    public let location: LedgerLocation
    /// The formula asked for when a query names none (`FormulaChoice.toRead`).
    public let formulas: FormulaChoice

    /// One ledger's rows in a shared PostgreSQL schema to read instead of the ledger's own read models.
    public let shared: SharedReadModelsTarget?

    public init(location: LedgerLocation, formulas: FormulaChoice = .none, shared: SharedReadModelsTarget? = nil) {
        self.location = location
        self.formulas = formulas
        self.shared = shared
    }

    /// Where to read: the present, a position, or the last position recorded at or before a time (µs).
    public enum Moment: Sendable, Equatable {
        case now
        case position(UInt64)
        case time(Int64)
    }

    func open() throws -> (EventLog, ReadModels) {
        let log = try location.openLog(create: false)
        let path = location.readModelsPath
        do {
            return (log, try ReadModels(path: path, log: log))
        } catch let error as SQLiteError where error.isDamagedFile {
            // The file is damaged or not SQLite. It holds nothing the log does not.
            throw LedgerError.file(
                path: path,
                reason:
                    "\(error.message); read models are derived from the log: `haasledger project rebuild` replaces the file"
            )
        } catch let error as SQLiteError where error.code == SQLiteResultCode.full.rawValue {
            let free = DiskSpace.available(at: (path as NSString).deletingLastPathComponent).map(DiskSpace.text)
            throw LedgerError.file(
                path: path,
                reason:
                    "the disk is full\(free.map { " (\($0) free)" } ?? ""): the read models could not be brought up to date with the log, which is intact; free some space and run the command again"
            )
        }
    }

    /// Where a read command reads: the shared schema when one was given, else the ledger's own log and read
    /// models.
    func read() throws -> ReadSource {
        if let shared {
            let models = SharedReadModels(try PostgresService.connect(shared))
            return ReadSource(models: models, events: models)
        }
        let (log, models) = try open()
        return ReadSource(models: models, events: log)
    }

    /// `read()`, refusing formula and metric names no event recorded: a typo is an input error that names its
    /// flag, not an empty or unsorted answer. (A ledger without any metrics yet refuses nothing.)
    func read(formulas: [(flag: String, name: String)], metrics: [(flag: String, name: String)] = []) throws
        -> ReadSource
    {
        let source = try read()
        try refuseUnrecorded(source.models, formulas: formulas, metrics: metrics)
        return source
    }

    /// `read(formulas:metrics:)` for one formula, `asked` or else the one `formulas` resolves to on this ledger.
    func read(formula asked: String?, metrics: [(flag: String, name: String)] = []) throws
        -> (source: ReadSource, formula: String)
    {
        let source = try read()
        return (source, try resolve(asked, metrics: metrics, source))
    }

    /// `read(formula:metrics:)` on the ledger's own log and read models, for the commands that also read
    /// recorded bodies (reports and exports).
    func open(formula asked: String?, metrics: [(flag: String, name: String)] = []) throws
        -> (log: EventLog, models: ReadModels, formula: String)
    {
        let (log, models) = try open()
        return (log, models, try resolve(asked, metrics: metrics, ReadSource(models: models, events: log)))
    }

    private func resolve(_ asked: String?, metrics: [(flag: String, name: String)], _ source: ReadSource) throws
        -> String
    {
        let resolved = try asked.map { (name: $0, source: "--formula") } ?? formulas.toRead(source.events)
        let flag = resolved.source == FormulaChoice.defaultSource ? "--formula" : resolved.source
        try refuseUnrecorded(source.models, formulas: [(flag, resolved.name)], metrics: metrics)
        return resolved.name
    }

    func refuseUnrecorded(
        _ models: any ReadModelReading, formulas: [(flag: String, name: String)],
        metrics: [(flag: String, name: String)]
    ) throws {
        let recorded = try models.recordedNames()
        func check(_ uses: [(flag: String, name: String)], against known: [String], what: String) throws {
            guard !known.isEmpty else { return }
            for use in uses where !known.contains(use.name) {
                throw LedgerError.invalidArgument(
                    flag: use.flag,
                    reason: "no \(what) '\(use.name)' was recorded; recorded: \(known.joined(separator: ", "))")
            }
        }
        try check(formulas, against: recorded.formulas, what: "formula")
        try check(metrics, against: recorded.metrics, what: "metric")
    }

    static func position(_ moment: Moment, _ events: any LedgerEventSource) throws -> UInt64? {
        switch moment {
        case .now: return nil
        case .position(let position):
            // A position the log has not reached yet is a typo, not "now": answering with the head would hide it.
            let head = try events.headPosition()
            guard position <= head else {
                throw LedgerError.invalidArgument(
                    flag: "log position", reason: "#\(position) is past the log's head, #\(head)")
            }
            return position
        case .time(let micros): return try events.position(asOf: micros)
        }
    }

    /// Refuses a `--lab` the read models know nothing of as of `position` (no lab record, no backtest of it), so
    /// that a typo is named instead of answered with nothing.
    static func requireLabs(_ ids: [String], in models: any ReadModelReading, asOf position: UInt64?) throws {
        guard !ids.isEmpty else { return }
        let known = Set(try models.backtestLabIDs(asOf: position).compactMap { $0 })
            .union(try models.labs(asOf: position).map(\.labID))
        for id in ids where !known.contains(id) {
            let moment = position.map { "as of position \($0)" } ?? "in the ledger"
            throw LedgerError.invalidArgument(
                flag: "--lab", reason: "no lab \(id) \(moment) (see `haasledger query labs`)")
        }
    }

    /// `moment` as a position no later than the log's head, with the time its event was recorded (nil at 0).
    static func headBounded(_ moment: Moment, _ events: any LedgerEventSource) throws
        -> (position: UInt64, recordedAt: Int64?)
    {
        let asked = try position(moment, events)
        let head = try events.headPosition()
        let position = min(asked ?? head, head)
        return (position, position == 0 ? nil : try events.recordedAt(position))
    }

    /// The metrics a terminal table shows (csv and json keep all).
    public static let headlineMetrics = [
        "total_return", "cagr", "max_drawdown", "sharpe_ratio", "sortino_ratio", "win_rate", "profit_factor",
        "num_trades",
    ]

    public static let backtestColumns = [
        "backtest_id", "lab_id", "generation", "population", "market", "script_version",
    ]

    /// What `query backtests` is ordered by when no `--sort` is given: the best total return first.
    public static let defaultSort = "total_return"

    /// A backtest's parameters (canonical JSON) as name → value; empty when there are none.
    static func parameterObject(_ text: String?) -> [String: JSONValue] {
        guard let text, case .object(let members)? = try? JSONParser.parse(text) else { return [:] }
        return Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
    }

    /// A parameter's value as a cell: a number as a number, anything else as its text; nil as an empty cell.
    static func parameterCell(_ value: JSONValue?) -> ResultTable.Cell {
        guard let value else { return .null }
        return value.numberValue.map { .number($0.doubleValue) }
            ?? .text(value.stringValue ?? CanonicalJSON.string(value))
    }

    /// A read-only SQL statement against the read models (as of a moment: the views `*_asof` are not
    /// needed; `:asof` is bound to the position). Writes, ATTACH and state-changing PRAGMAs are refused.
    public func sql(_ text: String, at moment: Moment, timeLimit: Double = 30) throws -> ResultTable {
        let (log, _) = try open()
        let position = try Self.position(moment, log)
        let answer: SQLAnswer
        do {
            answer = try ReadModels.readOnlyQuery(
                text, path: location.readModelsPath, asOf: position, timeLimit: timeLimit)
        } catch let refusal as ReadOnlySQLError {
            let reason =
                switch refusal {
                case .invalid(let message): message
                case .notReadOnly: "only read-only statements are allowed (no writes, ATTACH or state-changing PRAGMA)"
                case .attach: "ATTACH is not allowed"
                case .severalStatements: "one statement at a time (the SQL holds more than one)"
                case .timedOut(let seconds):
                    "stopped after \(seconds) s (--timeout); narrow the statement or give a longer --timeout"
                }
            if case .timedOut = refusal { throw LedgerError.partialFailure("sql: \(reason)") }
            throw LedgerError.invalidArgument(flag: "sql", reason: reason)
        }
        return ResultTable(answer)
    }

    /// Rebuilds the read models from the log (through a moment), atomically replacing the file, or into `output`.
    public func rebuild(
        at moment: Moment, output: String?, progress: @escaping @Sendable (FetchProgress) -> Void = { _ in }
    ) throws -> UInt64 {
        let log = try location.openLog(create: false)
        let through = try Self.position(moment, log) ?? .max
        return try ReadModels.rebuild(log: log, through: through, output: output ?? location.readModelsPath) {
            progress(FetchProgress(phase: $0, done: Int($1), total: Int($2)))
        }
    }

    /// How far the read models lag behind the log, in events and in seconds of ledger time.
    public func status() throws -> ResultTable {
        let log = try location.openLog(create: false)
        let path = location.readModelsPath
        let head = try log.read { try $0.head() }
        let state = ReadModels.appliedState(path: path)
        let applied = state?.position ?? 0
        let appliedAt = state?.recordedAt
        let headPosition = head?.position ?? 0
        let lagEvents = headPosition - min(applied, headPosition)
        // Ledger time between the newest event applied (or the first event, when none is) and the log's head.
        let fromTime = try appliedAt ?? log.read { try $0.event(at: 1)?.recordedAt } ?? head?.recordedAt ?? 0
        let lagSeconds = lagEvents == 0 ? 0 : Double((head?.recordedAt ?? fromTime) - fromTime) / 1e6
        return ResultTable(
            columns: ["read_models", "log_head", "applied_position", "lag_events", "lag_seconds"],
            rows: [
                [
                    .text(path), .integer(Int64(headPosition)), .integer(Int64(applied)), .integer(Int64(lagEvents)),
                    .number(lagSeconds),
                ]
            ])
    }
}

extension ResultTable {
    /// The rows of a user's statement; blobs print as x'hex'.
    init(_ answer: SQLAnswer) {
        self.init(
            columns: answer.columns,
            rows: answer.rows.map { row in
                row.map { value in
                    switch value {
                    case .null: return .null
                    case .integer(let value): return .integer(value)
                    case .real(let value): return .number(value)
                    case .text(let text): return .text(text)
                    case .blob(let bytes): return .text("x'" + bytes.map { String(format: "%02x", $0) }.joined() + "'")
                    }
                }
            })
    }
}

extension ReadModelService {
    /// Why a `--where` condition cannot be used, or nil when it can (`METRIC OP NUMBER`, or a column or
    /// `param.KEY` compared with a value).
    public static func conditionProblem(_ condition: String) -> String? {
        BacktestQuery.Filter(condition) == nil && ColumnCondition(condition) == nil
            ? "--where '\(condition)': expected METRIC OP NUMBER, COLUMN OP VALUE (\(ColumnCondition.columns.joined(separator: ", "))) or param.NAME OP VALUE, with OP one of > >= < <= = !="
            : nil
    }

}
