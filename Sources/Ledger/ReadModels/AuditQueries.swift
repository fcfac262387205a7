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
    /// `rankBy`, descending, ties by id).
    public func diff(
        from: Moment, to: Moment, lab: String?, sweep: String? = nil, formula asked: String?,
        rankBy: String = "total_return"
    )
        throws
        -> ResultTable
    {
        let (source, formula) = try read(formula: asked)
        func rows(at moment: Moment) throws -> [BacktestRow] {
            try source.models.backtests(
                BacktestQuery(
                    lab: lab, sweep: sweep, formula: formula, sort: rankBy,
                    asOf: try Self.position(moment, source.events) ?? .max))
        }
        let before = try rows(at: from)
        let after = try rows(at: to)
        // A backtest has a place in the comparison only once it has metrics under the formula: one whose result
        // was recorded but whose metrics came later is `added`, not `changed` from nothing (and takes no rank).
        func ranked(_ rows: [BacktestRow]) -> [String: (Int, BacktestRow)] {
            Dictionary(
                uniqueKeysWithValues: rows.filter { !$0.metrics.isEmpty }.enumerated().map {
                    ($1.backtestID, ($0 + 1, $1))
                })
        }
        let beforeByID = ranked(before)
        let afterByID = ranked(after)
        var rows: [[ResultTable.Cell]] = []
        for id in Set(beforeByID.keys).union(afterByID.keys).sorted() {
            let old = beforeByID[id]
            let new = afterByID[id]
            let change: String
            switch (old, new) {
            case (nil, _?): change = "added"
            case (_?, nil): change = "removed"
            case let (old?, new?) where old.1 != new.1: change = "changed"
            default: continue
            }
            let lab = new?.1.labID ?? old?.1.labID ?? ""
            rows.append(
                [
                    .text(change), .text(id), .text(lab), old.map { .integer(Int64($0.0)) } ?? .null,
                    new.map { .integer(Int64($0.0)) } ?? .null,
                ]
                    + Self.keyMetrics.flatMap { name -> [ResultTable.Cell] in
                        let a = old?.1.metric(name)
                        let b = new?.1.metric(name)
                        let delta: ResultTable.Cell =
                            if let x = a?.number, let y = b?.number { .number(y - x) } else { .null }
                        return [Self.cell(b), delta]
                    })
        }
        return ResultTable(
            columns: ["change", "backtest_id", "lab_id", "rank_from", "rank_to"]
                + Self.keyMetrics.flatMap { [$0, "\($0)_delta"] },
            rows: rows)
    }

    static func cell(_ metric: (number: Double?, text: String)?) -> ResultTable.Cell {
        guard let metric else { return .null }
        return .metric(number: metric.number, text: metric.text)
    }
}
