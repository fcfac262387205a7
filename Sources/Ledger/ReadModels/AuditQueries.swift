import EventLog
import JSON
import LedgerEvents
import Projections

/// The audit questions: what happened to one backtest, and what changed between two moments or two formulas.
extension ReadModelService {
    /// Metrics shown by `history` and `diff` tables (csv/json carry every metric).
    public static let keyMetrics = ["total_return", "max_drawdown", "sharpe_ratio", "win_rate", "profit_factor"]

    /// Every event of `backtest:<id>` in order, with the key metric values (of `formula`) as they stood after it.
    public func history(backtest id: String, formula asked: String?) throws -> ResultTable {
        let (source, formula) = try read(formula: asked)
        let events = try source.events.events(inStream: "backtest:\(id)")
        guard !events.isEmpty else {
            throw LedgerError.invalidArgument(flag: "BACKTEST_ID", reason: "no event mentions backtest \(id)")
        }
        var rows: [[ResultTable.Cell]] = []
        for event in events {
            let after = try source.models.backtests(
                BacktestQuery(backtest: id, formula: formula, asOf: event.position)
            ).first
            let json = event.payload
            var detail = ""
            switch event.type {
            case EventType.responseRecorded.name:
                detail =
                    "\(json?["channel"]?.stringValue ?? "?") HTTP \(json?["http_status"]?.numberValue?.canonicalText ?? "-")"
                if let failure = json?["failure"]?.stringValue { detail += " failed: \(failure)" }
            case EventType.runtimeFetched.name:
                detail = "reported ROI \(json?["reported"]?["roi"]?.numberValue?.canonicalText ?? "-")"
                if let version = json?["script_version"]?.stringValue { detail += ", script \(version.prefix(12))" }
            case EventType.metricsComputed.name:
                detail =
                    "\(json?["formula"]?.stringValue ?? "?") from runtime at \(event.causation.map(String.init) ?? "?")"
            case EventType.fetchFailed.name:
                detail = json?["error"]?.stringValue ?? ""
            default:
                if let json, let step = ExecutionTimeline.describe(type: event.type, payload: json) { detail = step }
            }
            rows.append(
                [
                    .integer(Int64(event.position)), .text(Timestamp.format(event.recordedAt)), .text(event.type),
                    .text(detail),
                    .text(event.correlationID ?? ""), .text(event.source),
                ]
                    + Self.keyMetrics.map { name in Self.cell(after?.metric(name)) })
        }
        return ResultTable(
            columns: ["position", "recorded_at", "type", "detail", "run", "source"] + Self.keyMetrics, rows: rows)
    }

    /// Backtests added, removed or changed between two moments, with metric deltas and rank moves (rank by
    /// `rankBy`, descending, ties by id), as one table (`diffPages`).
    public func diff(
        from: Moment, to: Moment, lab: String?, sweep: String? = nil, formula asked: String?,
        rankBy: String = "total_return"
    ) throws -> ResultTable {
        try Self.collected {
            try diffPages(from: from, to: to, lab: lab, sweep: sweep, formula: asked, rankBy: rankBy, page: $0)
        }
    }

    /// The rows of `diff`, by backtest id, a page at a time (every page with the columns, the first one even
    /// when nothing changed), so that comparing two moments of a ledger of any size holds one page.
    public func diffPages(
        from: Moment, to: Moment, lab: String?, sweep: String? = nil, formula asked: String?,
        rankBy: String = "total_return", pageSize: Int = 2_000, page: (ResultTable) throws -> Void
    ) throws {
        let (source, formula) = try read(formula: asked)
        func query(at moment: Moment) throws -> BacktestQuery {
            BacktestQuery(
                lab: lab, sweep: sweep, formula: formula, sort: rankBy,
                asOf: try Self.position(moment, source.events) ?? .max)
        }
        let (before, after) = (try query(at: from), try query(at: to))
        try Self.requireLabs(lab.map { [$0] } ?? [], in: source.models, asOf: after.asOf)
        let columns =
            ["change", "backtest_id", "lab_id", "rank_from", "rank_to"]
            + Self.keyMetrics.flatMap { [$0, "\($0)_delta"] }
        try page(ResultTable(columns: columns, rows: []))
        try source.models.forEachComparedPage(before: before, after: after, pageSize: pageSize) {
            compared in
            try page(ResultTable(columns: columns, rows: compared.compactMap(Self.diffRow)))
        }
    }

    /// A backtest's row of `diff`; nil when it is the same at both moments.
    static func diffRow(_ compared: ComparedBacktest) -> [ResultTable.Cell]? {
        let old = compared.before
        let new = compared.after
        let change: String
        switch (old, new) {
        case (nil, _?): change = "added"
        case (_?, nil): change = "removed"
        case let (old?, new?) where old.row != new.row: change = "changed"
        default: return nil
        }
        let lab = new?.row.labID ?? old?.row.labID ?? ""
        return [
            .text(change), .text(compared.backtestID), .text(lab), old.map { .integer(Int64($0.rank)) } ?? .null,
            new.map { .integer(Int64($0.rank)) } ?? .null,
        ]
            + Self.keyMetrics.flatMap { name -> [ResultTable.Cell] in
                let a = old?.row.metric(name)
                let b = new?.row.metric(name)
                let delta: ResultTable.Cell = if let x = a?.number, let y = b?.number { .number(y - x) } else { .null }
                return [Self.cell(b), delta]
            }
    }

    static func cell(_ metric: (number: Double?, text: String)?) -> ResultTable.Cell {
        guard let metric else { return .null }
        return .metric(number: metric.number, text: metric.text)
    }
}
