import BacktestMetrics
import HaasAPI
import JSON
import Projections

/// Reads what a report shows, all as of one position, so the file depends on the position and the options only.
extension ReadModelService {
    /// Backtests whose changes over time the report charts, at most.
    static let revisedShown = 12

    func reportContent(_ request: ReportRequest) throws -> ReportContent {
        var (content, sweepIDs) = try snapshot(request)
        // Each of these opens the log itself: the snapshot's is closed by now (a process opens a log once).
        let position = content.position
        content.changes = try request.since.map { since in
            let table = try diff(from: since, to: .position(position), lab: nil, formula: content.formula)
            let column = table.columns.firstIndex(of: "lab_id") ?? 2
            return ResultTable(
                columns: table.columns,
                rows: table.rows.filter {
                    if case .text(let lab) = $0[column] { request.shows(lab: lab) } else { request.labs.isEmpty }
                })
        }
        content.formulaChange = try request.compareFormula.map {
            try formulaComparison(content.formula, $0, request: request, position: position)
        }
        content.sweeps = try sweepIDs.map { try sweepStanding($0, formula: nil, at: .position(position)) }
        return content
    }

    /// What one read of the ledger (its log and read models, or their shared copy) gives as of the position asked
    /// for (clamped to the head), and the sweeps to show.
    private func snapshot(_ request: ReportRequest) throws -> (ReportContent, sweeps: [String]) {
        let (source, formula) = try read(formula: request.formula)
        let (models, events) = (source.models, source.events)
        if let second = request.compareFormula {
            try refuseUnrecorded(models, formulas: [("--compare-formula", second)], metrics: [])
        }
        let asked = try Self.position(request.moment, events)
        let head = try events.headPosition()
        guard head > 0 else {
            throw LedgerError.invalidArgument(
                flag: shared == nil ? "--ledger" : "--postgres", reason: "the ledger holds no events yet")
        }
        let position = min(asked ?? head, head)
        guard let event = try events.event(at: position) else {
            throw LedgerError.invalidArgument(flag: "--at-position", reason: "the log holds no position \(position)")
        }
        let labs = try models.labs(asOf: position)
        try Self.requireLabs(request.labs, in: models, asOf: position)
        let sweeps = try models.sweeps(asOf: position).map(\.sweepID)
        for id in request.sweeps where !sweeps.contains(id) {
            throw LedgerError.invalidArgument(
                flag: "--sweep", reason: "no sweep \(id) as of position \(position) (see `haasledger sweep list`)")
        }
        let outlines = try models.labOutlines(asOf: position)
        let groups = try backtestGroups(
            labs: labs, outlines: outlines, request: request, formula: formula, events: events, models: models,
            position: position)
        let content = ReportContent(
            position: position, hash: event.hash, recordedAt: event.recordedAt, request: request,
            formula: formula, formulaSet: FormulaRegistry.builtIn.find(formula),
            overview: try overview(groups: groups, models: models, position: position),
            groups: groups, details: try details(groups, request: request, events: events),
            revisions: try revisions(
                formula: formula, request: request, events: events, models: models, position: position),
            changes: nil, formulaChange: nil, sweeps: [])
        return (content, request.sweeps.isEmpty ? sweeps : request.sweeps)
    }

    /// Backtests by lab, best total return first (±inf as numbers, undefined last, ties by id), read twice
    /// one backtest at a time (`LabCharts`); only each group's top rows are read whole.
    private func backtestGroups(
        labs: [LabRow], outlines: [String: LabOutline], request: ReportRequest, formula: String,
        events: any LedgerEventSource, models: any ReadModelReading, position: UInt64
    ) throws -> [BacktestGroup] {
        var byLab: [String: LabCharts] = [:]
        func charted(_ id: String, _ values: [Double?]) -> ChartedBacktest {
            ChartedBacktest(
                backtestID: id, totalReturn: values[0], maxDrawdown: values[1], winRate: values[2],
                profitFactor: values[3])
        }
        try models.forEachMetricRow(ChartedBacktest.metrics, formula: formula, asOf: position) { id, lab, values in
            guard request.shows(lab: lab) else { return }
            byLab[lab, default: LabCharts(keep: request.top)].add(charted(id, values))
        }
        for lab in byLab.keys { byLab[lab]?.finish() }
        try models.forEachMetricRow(ChartedBacktest.metrics, formula: formula, asOf: position) { id, lab, values in
            byLab[lab]?.bin(charted(id, values))
        }
        // Labs with a record first, then lab ids only backtests name (an imported cache's), then the direct ones.
        let known = Set(labs.map(\.labID))
        let asked = { (id: String) in request.labs.isEmpty || request.labs.contains(id) }
        let empty = LabCharts(keep: 0)
        var groups: [(id: String, title: String, lab: LabRow?, charts: LabCharts)] = labs.filter {
            asked($0.labID)
        }
        .map { lab in (lab.labID, lab.name ?? "Lab \(lab.labID)", lab, byLab[lab.labID] ?? empty) }
        for id in byLab.keys.sorted() where !id.isEmpty && !known.contains(id) && asked(id) {
            groups.append((id, "Lab \(id)", nil, byLab[id] ?? empty))
        }
        if request.labs.isEmpty, let direct = byLab[""], direct.count > 0 {
            groups.append(("direct", "Direct backtests", nil, direct))
        }
        return try groups.map { group in
            let top = try group.charts.top.prefix(request.top).compactMap { charted in
                try models.backtests(BacktestQuery(backtest: charted.backtestID, formula: formula, asOf: position))
                    .first
            }
            let found = try models.provenance(backtests: top.map(\.backtestID), formula: formula, asOf: position)
            let bodies = try found.compactMapValues { row in
                try row.runtimePosition.flatMap { try RecordedRuntimes.bodyHash(at: $0, in: events) }
            }
            // Each read of the log above faults in the pages around it too (the kernel maps 64 KB per fault): handed
            // back per lab, so that a report of many labs does not hold them all (100 labs × 20 rows: 180 MB).
            try events.releaseMappedPages()
            return BacktestGroup(
                id: group.id, title: group.title, lab: group.lab, charts: group.charts, top: top,
                outline: outlines[group.id == "direct" && group.lab == nil ? "" : group.id] ?? LabOutline(),
                provenance: found.mapValues { row in
                    Provenance(
                        runtimePosition: row.runtimePosition, metricsPosition: row.metricsPosition,
                        bodySHA256: bodies[row.backtestID])
                })
        }
    }

    private func overview(groups: [BacktestGroup], models: any ReadModelReading, position: UInt64) throws -> [(
        String, String
    )] {
        var markets = Set<String>()
        var (start, end): (Int64?, Int64?) = (nil, nil)
        for group in groups {
            markets.formUnion(group.outline.markets)
            if let started = group.outline.firstStart { start = min(start ?? started, started) }
            if let ended = group.outline.lastEnd { end = max(end ?? ended, ended) }
        }
        let counts = try models.recordingCounts(asOf: position)
        var pairs = [
            ("Labs", String(groups.filter { $0.lab != nil || $0.id != "direct" }.count)),
            ("Backtests", ReadableNumbers.significant(Double(groups.reduce(0) { $0 + $1.charts.count }))),
            ("Markets", markets.isEmpty ? "-" : markets.sorted().joined(separator: ", ")),
        ]
        if let start, let end {
            pairs.append(
                ("Period", "\(CivilDate(seconds: Double(start)).text) to \(CivilDate(seconds: Double(end)).text)"))
        }
        pairs.append(("Runs", ReadableNumbers.significant(Double(counts.runs))))
        pairs.append(("API calls recorded", ReadableNumbers.significant(Double(counts.fetches))))
        pairs.append(("Cache files imported", ReadableNumbers.significant(Double(counts.importedFiles))))
        return pairs
    }

    private func details(_ groups: [BacktestGroup], request: ReportRequest, events: any LedgerEventSource) throws
        -> [BacktestDetail]
    {
        var details: [BacktestDetail] = []
        for group in groups {
            for row in group.top.prefix(request.detailed) {
                guard let hex = group.provenance[row.backtestID]?.bodySHA256,
                    let adapted = try RecordedRuntimes.adapted(body: hex, in: events)
                else { continue }
                let times = adapted.inputs.barTimes ?? []
                details.append(
                    BacktestDetail(
                        backtestID: row.backtestID, groupID: group.id, row: row,
                        equity: zip(times, adapted.inputs.equity).map { ($0, $1) }, trades: adapted.inputs.trades,
                        capital: adapted.capital))
            }
            // The bodies' pages, handed back per lab like the top rows' (`backtestGroups`).
            try events.releaseMappedPages()
        }
        return details
    }

    private func revisions(
        formula: String, request: ReportRequest, events: any LedgerEventSource, models: any ReadModelReading,
        position: UInt64
    ) throws -> [RevisedBacktest] {
        // Of the backtests the report's groups hold: valid at the position, of a lab shown.
        let revised = try models.revisedBacktests(formula: formula, asOf: position, limit: 10 * Self.revisedShown)
            .filter { backtest in
                let row = try models.backtests(
                    BacktestQuery(backtest: backtest.backtestID, formula: formula, asOf: position)
                ).first
                return row.map { request.shows(lab: $0.labID) } ?? false
            }.prefix(Self.revisedShown)
        return try revised.map { backtest in
            RevisedBacktest(
                backtestID: backtest.backtestID,
                versions: try backtest.positions.map { at in
                    // The runtime the metrics were computed from (the metrics event's causation) says when the
                    // result was fetched; the metrics event itself may come from a later recompute.
                    let runtime = try events.event(at: UInt64(at))?.causation.flatMap { try events.event(at: $0) }
                    return RevisedBacktest.Version(
                        position: at, runtimePosition: runtime.map { Int64($0.position) },
                        fetchedAt: runtime?.recordedAt, source: runtime?.source ?? "",
                        row: try models.backtests(
                            BacktestQuery(backtest: backtest.backtestID, formula: formula, asOf: UInt64(at))
                        ).first)
                })
        }
    }

    private func formulaComparison(
        _ first: String, _ second: String, request: ReportRequest, position: UInt64
    ) throws -> FormulaComparison {
        let top = request.top
        let moved = try diffSummary(formulas: first, second, at: .position(position), lab: nil)
        func count(_ row: [ResultTable.Cell]) -> Int64 { if case .integer(let n) = row[1] { n } else { 0 } }
        let summary = ResultTable(
            columns: moved.columns,
            rows: moved.rows.enumerated().sorted { a, b in
                count(a.element) != count(b.element) ? count(a.element) > count(b.element) : a.offset < b.offset
            }.map(\.element))
        let models = try read().models
        func ranked(_ formula: String) throws -> [BacktestRow] {
            try models.backtests(BacktestQuery(formula: formula, sort: "total_return", asOf: position))
                .filter { request.shows(lab: $0.labID) }
        }
        let before = try ranked(first)
        let after = try ranked(second)
        let rankAfter = Dictionary(
            after.enumerated().map { ($1.backtestID, ($0 + 1, $1)) }, uniquingKeysWith: { first, _ in first })
        let metrics = ["total_return", "max_drawdown", "sharpe_ratio"]
        let rows: [[ResultTable.Cell]] = before.prefix(top).enumerated().map { index, row in
            let other = rankAfter[row.backtestID]
            return [
                .text(row.backtestID), .integer(Int64(index + 1)), other.map { .integer(Int64($0.0)) } ?? .null,
                other.map { .integer(Int64(index + 1 - $0.0)) } ?? .null,
            ]
                + metrics.flatMap { name in [Self.cell(row.metric(name)), Self.cell(other?.1.metric(name))] }
        }
        return FormulaComparison(
            first: first, second: second, summary: summary,
            sideBySide: ResultTable(
                columns: ["backtest_id", "rank_from", "rank_to", "rank_move"]
                    + metrics.flatMap { ["\($0) (\(first))", "\($0) (\(second))"] },
                rows: rows))
    }
}

extension ReportRequest {
    /// Whether the report's groups hold the backtests of this lab ("" for the direct ones): every lab's unless
    /// labs were asked for, and then no direct one.
    func shows(lab: String) -> Bool { labs.isEmpty || labs.contains(lab) }
}
