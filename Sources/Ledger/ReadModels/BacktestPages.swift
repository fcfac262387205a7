import JSON
import Projections

/// `query backtests`: its rows as a table a person reads, or page by page for a tool, so that every row of a
/// ledger of any size, sorted, is written holding one page.
extension ReadModelService {
    public func backtests(_ query: BacktestQuery, at moment: Moment) throws -> ResultTable {
        try backtests(query, formula: query.formula, at: moment)
    }

    /// `query`, under `formula` when one is asked for, else under the formula `formulas` resolves to, as one
    /// table (`backtestPages`).
    func backtests(
        _ query: BacktestQuery, formula: String?, at moment: Moment, parameterColumns: [String] = [],
        sortAsked: Bool = true
    ) throws -> ResultTable {
        try Self.collected {
            try backtestPages(
                query, formula: formula, at: moment, parameterColumns: parameterColumns, sortAsked: sortAsked, page: $0)
        }
    }

    /// `query backtests` as a command asks it, as one table (`backtestPages(lab:…)`).
    public func backtests(
        lab: String?, market: String?, formula: String?, conditions: [String], parameters: [String] = [],
        sort: String?, ascending: Bool, limit: Int?, at moment: Moment
    ) throws -> ResultTable {
        try Self.collected {
            try backtestPages(
                lab: lab, market: market, formula: formula, conditions: conditions, parameters: parameters, sort: sort,
                ascending: ascending, limit: limit, at: moment, page: $0)
        }
    }

    /// `query backtests` as a command asks it: conditions as written (on metrics, on columns, on `param.KEY`),
    /// checked; best total return first unless `sort` says otherwise; a `param.KEY` column per `parameters`.
    /// `page` gets the rows a page at a time, every page with the same columns, the first one even when no
    /// backtest matches.
    public func backtestPages(
        lab: String?, market: String?, formula: String?, conditions: [String], parameters: [String] = [],
        sort: String?, ascending: Bool, limit: Int?, at moment: Moment, columns: [String]? = nil,
        pageSize: Int = 2_000, page: (ResultTable) throws -> Void
    ) throws {
        var filters: [BacktestQuery.Filter] = []
        var columnConditions: [ColumnCondition] = []
        for condition in conditions {
            if let column = ColumnCondition(condition) {
                columnConditions.append(column)
            } else if let filter = BacktestQuery.Filter(condition) {
                filters.append(filter)
            } else {
                throw LedgerError.invalidArgument(flag: "--where", reason: Self.conditionProblem(condition) ?? "")
            }
        }
        try backtestPages(
            BacktestQuery(
                lab: lab, market: market, formula: formula ?? "", filters: filters, sort: sort ?? Self.defaultSort,
                ascending: ascending, limit: limit),
            formula: formula, at: moment, parameterColumns: parameters, columnConditions: columnConditions,
            sortAsked: sort != nil, columns: columns, pageSize: pageSize, page: page)
    }

    /// The rows of `query` (that pass `columnConditions`), a page at a time. A top N without column conditions
    /// is one page from the read models' fast path; anything else is read sorted, a page at a time. A sort no
    /// one asked for (`sortAsked` false) is not refused when the ledger never recorded it: the rows then keep
    /// their id order. `columns`, those a person picked: one no row could have is refused before any is read
    /// (a sort of millions of rows would otherwise come first).
    func backtestPages(
        _ query: BacktestQuery, formula: String?, at moment: Moment, parameterColumns: [String] = [],
        columnConditions: [ColumnCondition] = [], sortAsked: Bool = true, columns: [String]? = nil,
        pageSize: Int = 2_000, page: (ResultTable) throws -> Void
    ) throws {
        let (source, formula) = try read(
            formula: formula,
            metrics: (sortAsked ? query.sort.map { [("--sort", $0)] } ?? [] : [])
                + query.filters.map { ("--where", $0.metric) })
        var query = query
        query.formula = formula
        query.asOf = try Self.position(moment, source.events)
        try Self.requireLabs(query.lab.map { [$0] } ?? [], in: source.models, asOf: query.asOf)
        let ownColumns = Self.ownColumns + parameterColumns.map { "param." + $0 }
        if let columns {
            let known = ownColumns + (try source.models.recordedNames().metrics)
            if let unknown = columns.first(where: { !known.contains($0) }) {
                throw LedgerError.invalidArgument(
                    flag: "--columns", reason: "no column '\(unknown)' (known: \(known.joined(separator: ", ")))")
            }
        }
        func table(_ rows: [BacktestRow], metricNames: [String]) -> ResultTable {
            ResultTable(
                columns: ownColumns + metricNames,
                rows: rows.map { Self.backtestCells($0, parameterColumns: parameterColumns, metricNames: metricNames) },
                displays: ["script_version": .shortHash, "parameters": .parameters, "reported_roi": .percent])
        }
        if query.limit != nil, columnConditions.isEmpty {
            let rows = try source.models.backtests(query)
            return try page(table(rows, metricNames: Array(Set(rows.flatMap { $0.metrics.map(\.name) })).sorted()))
        }
        var names: [String] = []
        try source.models.forEachBacktestPage(
            query, pageSize: pageSize,
            accept: { row in columnConditions.allSatisfy { Self.passes(row, $0) } },
            metricNames: {
                names = $0
                try page(table([], metricNames: $0))
            },
            page: { try page(table($0, metricNames: names)) })
    }

    /// A backtest's row of `query backtests`: its own columns, then `param.KEY` ones, then its metrics.
    static func backtestCells(_ row: BacktestRow, parameterColumns: [String], metricNames: [String])
        -> [ResultTable.Cell]
    {
        let parameters = parameterColumns.isEmpty ? [:] : Self.parameterObject(row.parameters)
        return ownCells(row)
            + parameterColumns.map { Self.parameterCell(ColumnCondition.parameter($0, in: parameters)) }
            + metricNames.map { name in
                guard let metric = row.metric(name) else { return .nonNumber(ResultTable.Cell.notComputed) }
                return .metric(number: metric.number, text: metric.text)
            }
    }

    /// A backtest's own columns, before its parameters and metrics.
    private static let ownColumns = backtestColumns + ["parameters", "script_name", "reported_roi"]

    /// The cells of `ownColumns`.
    private static func ownCells(_ row: BacktestRow) -> [ResultTable.Cell] {
        [
            .text(row.backtestID), .text(row.labID), row.generation.map(ResultTable.Cell.integer) ?? .null,
            row.population.map(ResultTable.Cell.integer) ?? .null,
            row.market.map(ResultTable.Cell.text) ?? .null, .init(row.scriptVersion), .init(row.parameters),
            .init(row.scriptName), row.reportedROI.map(ResultTable.Cell.number) ?? .null,
        ]
    }

    private static let ownColumnIndex = Dictionary(
        ownColumns.enumerated().map { ($1, $0) },
        uniquingKeysWith: { first, _ in first })

    /// Whether a backtest passes a condition on one of its own columns or script parameters.
    static func passes(_ row: BacktestRow, _ condition: ColumnCondition) -> Bool {
        if condition.column.hasPrefix("param.") {
            guard
                let value = ColumnCondition.parameter(
                    String(condition.column.dropFirst(6)), in: Self.parameterObject(row.parameters))
            else { return false }
            return condition.accepts(value.stringValue ?? CanonicalJSON.string(value))
        }
        let cell = ownCells(row)[ownColumnIndex[condition.column] ?? 0]
        return condition.accepts(cell == .null ? nil : cell.plain)
    }

    /// The pages `produce` gives, as one table.
    public static func collected(_ produce: ((ResultTable) throws -> Void) throws -> Void) throws -> ResultTable {
        var first: ResultTable?
        var rows: [[ResultTable.Cell]] = []
        try produce { page in
            if first == nil { first = page }
            rows += page.rows
        }
        guard let first else { return ResultTable(columns: [], rows: []) }
        return ResultTable(columns: first.columns, rows: rows, displays: first.displays)
    }
}
