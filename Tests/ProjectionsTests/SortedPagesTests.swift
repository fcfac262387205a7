import SQLiteKit
import Testing

@testable import Projections

/// Reading every row sorted a page at a time (through temporary tables) must give what one read of everything
/// gives: the same rows, in the same order, to the same limit, and the same comparison of two moments.
@Suite struct SortedPagesTests {
    /// The read models seen only through the protocol's in-memory reads, which a shared database uses.
    struct InMemory: ReadModelReading {
        let models: ReadModels
        func rows(_ sql: String, _ parameters: [SQLiteValue]) throws -> [[SQLiteValue]] {
            try models.rows(sql, parameters)
        }
        func backtests(_ query: BacktestQuery) throws -> [BacktestRow] { try models.backtests(query) }
        func parameterKeys(asOf position: UInt64?) throws -> [String] { try models.parameterKeys(asOf: position) }
        func forEachMetricRow(
            _ names: [String], formula: String, asOf position: UInt64?,
            _ row: (String, String, [Double?]) throws -> Void
        ) throws { try models.forEachMetricRow(names, formula: formula, asOf: position, row) }
        func provenance(backtests ids: [String], formula: String, asOf position: UInt64?) throws
            -> [String: BacktestProvenanceRow]
        { try models.provenance(backtests: ids, formula: formula, asOf: position) }
        func revisedBacktests(formula: String, asOf position: UInt64?, limit: Int) throws -> [MetricRevisionsRow] {
            try models.revisedBacktests(formula: formula, asOf: position, limit: limit)
        }
    }

    static func pages(
        _ reader: some ReadModelReading, _ query: BacktestQuery, pageSize: Int,
        accept: (BacktestRow) -> Bool = { _ in true }
    ) throws -> (names: [String], rows: [BacktestRow], pages: Int) {
        var names: [String]?
        var rows: [BacktestRow] = []
        var pages = 0
        try reader.forEachBacktestPage(
            query, pageSize: pageSize, accept: accept, metricNames: { names = $0 },
            page: {
                // The in-memory reads answer in one page.
                #expect($0.count <= pageSize || reader is InMemory)
                rows += $0
                pages += 1
            })
        return (try #require(names), rows, pages)
    }

    @Test(arguments: TopNTests.Writer.allCases)
    func sortedPagesEqualOneReadOfEverything(writer: TopNTests.Writer) throws {
        let (directory, models) = try TopNTests.syntheticModels(writer)
        defer { withExtendedLifetime(directory) {} }
        let oddOnes: (BacktestRow) -> Bool = { $0.backtestID.hasSuffix("1") }
        var compared = 0
        for position: UInt64? in [40_000, 150_000, nil] {
            for ascending in [false, true] {
                for lab in [nil, "L1"] {
                    for filter in [nil, BacktestQuery.Filter("sharpe_ratio>=2")] {
                        for limit in [nil, 15] {
                            let query = BacktestQuery(
                                lab: lab, formula: "canonical@1", filters: filter.map { [$0] } ?? [],
                                sort: "sharpe_ratio", ascending: ascending, limit: limit, asOf: position)
                            var unlimited = query
                            unlimited.limit = nil
                            let everything = try models.backtestsAtOnce(unlimited)
                            let expected = limit.map { Array(everything.prefix($0)) } ?? everything
                            for pageSize in [1, 7, 1_000] {
                                let paged = try Self.pages(models, query, pageSize: pageSize)
                                #expect(paged.rows == expected, "\(query) in pages of \(pageSize)")
                                #expect(paged.names == Set(everything.flatMap { $0.metrics.map(\.name) }).sorted())
                                #expect(paged.pages == (expected.count + pageSize - 1) / pageSize)
                            }
                            let kept = try Self.pages(models, query, pageSize: 5, accept: oddOnes).rows
                            let keptExpected = everything.filter(oddOnes)
                            #expect(kept == (limit.map { Array(keptExpected.prefix($0)) } ?? keptExpected))
                            #expect(
                                try Self.pages(InMemory(models: models), query, pageSize: 5, accept: oddOnes).rows
                                    == kept)
                            compared += expected.count
                        }
                    }
                }
            }
        }
        #expect(compared > 1_000)
        // Infinities order as numbers and undefined goes last in both directions.
        let descending = try Self.pages(
            models, BacktestQuery(formula: "canonical@1", sort: "sharpe_ratio"), pageSize: 50)
        #expect(descending.rows.first?.orderable("sharpe_ratio") == .infinity)
        #expect(descending.rows.last?.orderable("sharpe_ratio") == nil)
        let ascending = try Self.pages(
            models, BacktestQuery(formula: "canonical@1", sort: "sharpe_ratio", ascending: true), pageSize: 50)
        #expect(ascending.rows.first?.orderable("sharpe_ratio") == -.infinity)
        #expect(ascending.rows.last?.orderable("sharpe_ratio") == nil)
        // Every temporary table is dropped with its read.
        #expect(try models.rows("SELECT count(*) FROM temp.sqlite_master", []) == [[.integer(0)]])
    }

    @Test(arguments: TopNTests.Writer.allCases)
    func comparedPagesEqualTheComparisonInMemory(writer: TopNTests.Writer) throws {
        let (directory, models) = try TopNTests.syntheticModels(writer)
        defer { withExtendedLifetime(directory) {} }
        func compared(_ reader: some ReadModelReading, _ before: BacktestQuery, _ after: BacktestQuery, pageSize: Int)
            throws -> [ComparedBacktest]
        {
            var all: [ComparedBacktest] = []
            try reader.forEachComparedPage(before: before, after: after, pageSize: pageSize) {
                #expect($0.count <= pageSize || reader is InMemory)
                all += $0
            }
            return all
        }
        var changed = 0
        for (from, to): (UInt64, UInt64?) in [(1, 100_000), (60_000, 200_000), (100_000, nil), (200_000, 60_000)] {
            for lab in [nil, "L2"] {
                let before = BacktestQuery(lab: lab, formula: "canonical@1", sort: "sharpe_ratio", asOf: from)
                let after = BacktestQuery(lab: lab, formula: "canonical@1", sort: "sharpe_ratio", asOf: to)
                let expected = try compared(InMemory(models: models), before, after, pageSize: .max)
                #expect(expected.map(\.backtestID) == expected.map(\.backtestID).sorted())
                for pageSize in [1, 9, 1_000] {
                    #expect(try compared(models, before, after, pageSize: pageSize) == expected)
                }
                changed += expected.filter { $0.before?.row != $0.after?.row }.count
            }
        }
        #expect(changed > 100)
        #expect(try models.rows("SELECT count(*) FROM temp.sqlite_master", []) == [[.integer(0)]])
    }
}
