import SQLiteKit

/// One backtest at two moments: its rank and row at each where it had metrics under the formula (a backtest
/// whose metrics came later has no place before: it was added, not changed from nothing).
public struct ComparedBacktest: Sendable, Equatable {
    public struct Ranked: Sendable, Equatable {
        public let rank: Int
        public let row: BacktestRow
    }
    public let backtestID: String
    public let before: Ranked?
    public let after: Ranked?
}

extension ReadModelReading {
    /// In memory: the whole answer at once, as one page (a shared database's reads).
    public func forEachBacktestPage(
        _ query: BacktestQuery, pageSize: Int, accept: (BacktestRow) -> Bool,
        metricNames: ([String]) throws -> Void, page: ([BacktestRow]) throws -> Void
    ) throws {
        var unlimited = query
        unlimited.limit = nil
        let rows = try backtests(unlimited).filter(accept)
        try metricNames(Array(Set(rows.flatMap { $0.metrics.map(\.name) })).sorted())
        let limited = query.limit.map { Array(rows.prefix($0)) } ?? rows
        if !limited.isEmpty { try page(limited) }
    }

    /// In memory: both moments' whole answers at once, compared as one page.
    public func forEachComparedPage(
        before: BacktestQuery, after: BacktestQuery, pageSize: Int, page: ([ComparedBacktest]) throws -> Void
    ) throws {
        func ranked(_ query: BacktestQuery) throws -> [String: ComparedBacktest.Ranked] {
            Dictionary(
                uniqueKeysWithValues: try backtests(query).filter { !$0.metrics.isEmpty }.enumerated().map {
                    ($1.backtestID, ComparedBacktest.Ranked(rank: $0 + 1, row: $1))
                })
        }
        let first = try ranked(before)
        let second = try ranked(after)
        let compared = Set(first.keys).union(second.keys).sorted().map {
            ComparedBacktest(backtestID: $0, before: first[$0], after: second[$0])
        }
        if !compared.isEmpty { try page(compared) }
    }
}

extension ReadModels {
    public func forEachBacktestPage(
        _ query: BacktestQuery, pageSize: Int, accept: (BacktestRow) -> Bool,
        metricNames: ([String]) throws -> Void, page: ([BacktestRow]) throws -> Void
    ) throws {
        let sorted = try SortedBacktests(self, query, pageSize: pageSize, accept: accept)
        try metricNames(sorted.metricNames)
        while let rows = try sorted.nextPage() { try page(rows) }
    }

    /// Both moments are ranked into temporary tables (`SortedBacktests`); their ids are then walked in order,
    /// joined with both ranks, and each page's rows are loaded at both moments.
    public func forEachComparedPage(
        before: BacktestQuery, after: BacktestQuery, pageSize: Int, page: ([ComparedBacktest]) throws -> Void
    ) throws {
        let hasMetrics: (BacktestRow) -> Bool = { !$0.metrics.isEmpty }
        let first = try SortedBacktests(self, before, pageSize: pageSize, accept: hasMetrics)
        let second = try SortedBacktests(self, after, pageSize: pageSize, accept: hasMetrics)
        try withExtendedLifetime((first, second)) {
            let pairs = try db.prepare(
                """
                SELECT u.backtest_id, a.rank, b.rank
                FROM (SELECT backtest_id FROM \(first.table) UNION SELECT backtest_id FROM \(second.table)) u
                LEFT JOIN \(first.table) a ON a.backtest_id = u.backtest_id
                LEFT JOIN \(second.table) b ON b.backtest_id = u.backtest_id
                ORDER BY u.backtest_id
                """)
            defer { pairs.reset() }
            var chunk: [(id: String, before: Int?, after: Int?)] = []
            func flush() throws {
                func rows(_ query: BacktestQuery, _ ids: [String]) throws -> [String: BacktestRow] {
                    Dictionary(
                        try backtests(ids: ids, query).map { ($0.backtestID, $0) }, uniquingKeysWith: { one, _ in one })
                }
                let old = try rows(before, chunk.filter { $0.before != nil }.map(\.id))
                let new = try rows(after, chunk.filter { $0.after != nil }.map(\.id))
                func ranked(_ rank: Int?, _ row: BacktestRow?) -> ComparedBacktest.Ranked? {
                    guard let rank, let row else { return nil }
                    return ComparedBacktest.Ranked(rank: rank, row: row)
                }
                try page(
                    chunk.map { entry in
                        ComparedBacktest(
                            backtestID: entry.id, before: ranked(entry.before, old[entry.id]),
                            after: ranked(entry.after, new[entry.id]))
                    })
                chunk.removeAll(keepingCapacity: true)
            }
            while try pairs.step() {
                chunk.append((pairs.string(0) ?? "", pairs.int64(1).map { Int($0) }, pairs.int64(2).map { Int($0) }))
                if chunk.count == max(pageSize, 1) { try flush() }
            }
            if !chunk.isEmpty { try flush() }
        }
    }
}
