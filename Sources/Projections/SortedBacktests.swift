import SQLiteKit

/// Every backtest a query matches, in the query's order, read a page at a time: the ledger's size bounds
/// neither an export of every row sorted nor a comparison of two moments.
///
/// The first pass reads the backtests a page of ids at a time and keeps only each accepted one's sort key in
/// a temporary table; SQLite then ranks the keys (its sorter spills to temporary files beyond its cache), and
/// the pages are read back in rank order. Each page's rows are loaded again by id, from the same position.
final class SortedBacktests {
    private let models: ReadModels
    private let query: BacktestQuery
    /// The temporary table of ranks: `rank` 1, 2, 3… in the query's order, and the backtest.
    let table: String
    /// The metric names of the accepted rows, sorted.
    let metricNames: [String]
    private let pageSize: Int
    private let cursor: SQLiteStatement
    private var left: Int
    private var ended = false

    init(
        _ models: ReadModels, _ query: BacktestQuery, pageSize: Int, accept: (BacktestRow) -> Bool
    ) throws {
        self.models = models
        self.query = query
        self.pageSize = max(pageSize, 1)
        models.temporaryTables += 1
        let keys = "temp.sort_keys_\(models.temporaryTables)"
        table = "temp.sort_ranks_\(models.temporaryTables)"
        let db = models.db
        try db.execute(
            """
            CREATE TABLE \(keys)(missing INTEGER NOT NULL, key REAL, backtest_id TEXT NOT NULL);
            CREATE TABLE \(table)(rank INTEGER PRIMARY KEY, backtest_id TEXT NOT NULL UNIQUE)
            """)
        var names = Set<String>()
        do {
            let insert = try db.prepare("INSERT INTO \(keys) VALUES (?1, ?2, ?3)")
            // Each page unsorted and whole: the ranking is SQLite's.
            var pageQuery = query
            pageQuery.limit = nil
            pageQuery.sort = nil
            try models.forEachIDRange(pageQuery, pageSize: self.pageSize) { page in
                for row in try models.backtestsAtOnce(page) where accept(row) {
                    let key = query.sort.flatMap(row.orderable)
                    try insert.bind([
                        .integer(key == nil ? 1 : 0), key.map(SQLiteValue.real) ?? .null, .text(row.backtestID),
                    ])
                    try insert.execute()
                    names.formUnion(row.metrics.map(\.name))
                }
            }
            let direction = query.ascending ? "ASC" : "DESC"
            try db.execute(
                """
                INSERT INTO \(table)(backtest_id) SELECT backtest_id FROM \(keys)
                ORDER BY missing, key \(direction), backtest_id;
                DROP TABLE \(keys)
                """)
            cursor = try db.prepare("SELECT backtest_id FROM \(table) ORDER BY rank")
        } catch {
            try? db.execute("DROP TABLE IF EXISTS \(keys); DROP TABLE IF EXISTS \(table)")
            throw error
        }
        metricNames = names.sorted()
        left = query.limit ?? .max
    }

    deinit {
        cursor.reset()
        try? models.db.execute("DROP TABLE IF EXISTS \(table)")
    }

    /// The next page of rows in order; nil after the last (or the query's limit).
    func nextPage() throws -> [BacktestRow]? {
        var ids: [String] = []
        // A statement stepped past its last row would start again: stop at the first end.
        while !ended, ids.count < min(pageSize, left) {
            guard try cursor.step() else {
                ended = true
                break
            }
            ids.append(cursor.string(0) ?? "")
        }
        guard !ids.isEmpty else { return nil }
        left -= ids.count
        return try models.backtests(ids: ids, query)
    }
}

extension ReadModels {
    /// The query's backtests (without its limit or order) a page of ids at a time, by id: `body` gets the
    /// query narrowed to each page's id range.
    func forEachIDRange(_ query: BacktestQuery, pageSize: Int, _ body: (BacktestQuery) throws -> Void) throws {
        var parameters: [SQLiteValue] = [Self.asOfParameter(query.asOf)]
        let conditions = Self.backtestConditions(query, column: "", parameters: &parameters)
        let pages = try db.prepare(
            "SELECT backtest_id FROM backtests WHERE \(Self.validAt)\(conditions) AND backtest_id > ?\(parameters.count + 1) ORDER BY backtest_id LIMIT \(max(pageSize, 1))"
        )
        var after = ""
        while true {
            let ids = try pages.rows(parameters + [.text(after)]).compactMap { $0.first?.textValue }
            guard let first = ids.first, let last = ids.last else { return }
            var page = query
            page.backtestIDs = first...last
            try body(page)
            after = last
        }
    }

    /// The backtests `ids` names, in that order, with their metrics under the query's formula, as of its
    /// position: two statements for all of them, not two per backtest. A backtest not valid then is left out.
    func backtests(ids: [String], _ query: BacktestQuery) throws -> [BacktestRow] {
        guard !ids.isEmpty else { return [] }
        let at = Self.asOfParameter(query.asOf)
        // ?3 and then anonymous ones (4, 5, …): SQLite looks every numbered one up in a list of those seen so
        // far, which made a page of 2,000 ids quadratic to prepare.
        let placeholders = "?3" + String(repeating: ", ?", count: ids.count - 1)
        let idValues = ids.map(SQLiteValue.text)
        let backtestRows = try db.prepare(
            "SELECT \(Self.backtestColumns) FROM backtests WHERE \(Self.validAt) AND backtest_id IN (\(placeholders))"
        ).rows([at, .null] + idValues)
        let metricsByID =
            try formulaKey(query.formula).map {
                try metricSets("k.backtest_id IN (\(placeholders))", parameters: [at, .integer($0)] + idValues)
            } ?? [:]
        let backtestsByID = Dictionary(
            backtestRows.map { ($0[0].textValue ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        return ids.compactMap { id in
            backtestsByID[id].map { Self.backtestRow($0, metrics: metricsByID[id] ?? []) }
        }
    }
}
