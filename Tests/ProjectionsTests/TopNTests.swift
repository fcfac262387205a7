import EventLog
import EventLogTesting
import JSON
import SQLiteKit
import Testing

@testable import Projections

/// The top-N path must return exactly what the full scan returns, at any position, whether the numbers were
/// written sorted by a rebuild, added one by one by catch-up, or both.
@Suite struct TopNTests {
    enum Writer: CaseIterable { case rebuild, rebuildKeepingFewKeys, catchUp, rebuildThenCatchUp }

    /// One `metrics.computed` of the synthetic history.
    struct MetricsEvent {
        let position: UInt64
        let payload: [UInt8]
    }

    /// Span of the synthetic history's positions.
    static let span: UInt64 = 4 * 65_536

    @Test(arguments: Writer.allCases)
    func topNEqualsTheFullScanAtEveryPosition(writer: Writer) throws {
        let (directory, models) = try Self.syntheticModels(writer)
        defer { withExtendedLifetime(directory) {} }
        let span = Self.span
        var checked = 0
        let positions: [Int64?] = stride(from: Int64(1), to: Int64(span) + 5_000, by: 7_919).map { $0 } + [nil]
        for position in positions {
            for ascending in [false, true] {
                for lab in [nil, "L1"] {
                    let query = BacktestQuery(
                        lab: lab, formula: "canonical@1", sort: "sharpe_ratio", ascending: ascending, limit: 15,
                        asOf: position.map { UInt64($0) })
                    let expected = try models.allBacktests(query)
                    // Read a few ids at a time and kept to the best 15 between pages: the same rows, filtered too.
                    #expect(try models.allBacktests(query, pageSize: 7) == models.backtestsAtOnce(query))
                    var filtered = query
                    filtered.filters = [try #require(BacktestQuery.Filter("sharpe_ratio>=2"))]
                    let pagedFiltered = try models.allBacktests(filtered, pageSize: 11)
                    #expect(pagedFiltered == (try models.backtestsAtOnce(filtered)))
                    var unlimited = filtered
                    unlimited.limit = nil
                    #expect(pagedFiltered.count == min(15, try models.backtestsAtOnce(unlimited).count))
                    #expect(pagedFiltered.allSatisfy { ($0.orderable("sharpe_ratio") ?? 0) >= 2 })
                    guard let fast = try models.topBacktests(query) else {
                        let numbers = expected.filter { $0.orderable("sharpe_ratio") != nil }
                        #expect(numbers.count < 15, "fast path declined at \(String(describing: position))")
                        continue
                    }
                    #expect(fast == expected.prefix(15).map { $0 }, "at \(String(describing: position))")
                    checked += 1
                }
            }
        }
        #expect(checked > 100)
    }

    /// A rebuild that keeps five keys in memory reads the others back and writes the very rows of one that keeps
    /// them all, with the sets' key index in place.
    @Test func aRebuildKeepingFewKeysWritesTheSameRows() throws {
        let (allDirectory, all) = try Self.syntheticModels(.rebuild)
        let (fewDirectory, few) = try Self.syntheticModels(.rebuildKeepingFewKeys)
        defer { withExtendedLifetime((allDirectory, fewDirectory)) {} }
        for table in [
            "backtest_keys", "backtest_metric_sets", "backtest_metric_values", "backtest_metric_value_ranges",
        ] {
            let sql =
                table.hasSuffix("ranges")
                ? "SELECT * FROM \(table) ORDER BY 1, 2, 3" : "SELECT rowid, * FROM \(table) ORDER BY rowid"
            let rows = try all.db.prepare(sql).rows()
            #expect(!rows.isEmpty, "\(table)")
            #expect(try few.db.prepare(sql).rows() == rows, "\(table)")
        }
        let index = "SELECT count(*) FROM sqlite_master WHERE name = 'backtest_metric_sets_by_key'"
        #expect(try few.db.prepare(index).rows() == [[.integer(1)]])
    }

    /// Read models of a synthetic history: 300 backtests in two labs, metric versions spread over four buckets
    /// with ties, infinities, undefined values and closures, written by a rebuild, by catch-up or by both.
    static func syntheticModels(_ writer: Writer) throws -> (TemporaryDirectory, ReadModels) {
        let directory = try TemporaryDirectory(prefix: "haasledger-topn")
        let span = Self.span
        let log = try EventLog.open(directory: directory.appending("log"))
        let models = try ReadModels(path: directory.appending("readmodels.sqlite"), log: log)
        let db = models.db
        // Versions spread over four buckets of 65,536 positions, with ties, closures, labs and a backtest
        // that exists only later than some of its metric versions.
        var random = SeededRandom(seed: 99)
        let insertBacktest = try db.prepare(
            "INSERT INTO backtests (backtest_id, lab_id, market, valid_from, valid_to) VALUES (?, ?, ?, ?, ?)")
        var events: [MetricsEvent] = []
        for index in 0..<300 {
            let id = "bt-\(index)"
            let born = random.next() % (span / 2) + 1
            try insertBacktest.run([
                .text(id), .text(index % 3 == 0 ? "L1" : "L2"), .text("M"), .integer(Int64(born)), .null,
            ])
            var from = max(1, Int64(born) + Int64(random.next() % 50) - 25)  // sometimes before the backtest row
            while from < Int64(span) {
                let value = Double(random.next() % 40) / 4  // many ties
                let values: JSONValue =
                    if index % 17 == 0 && from % 2 == 0 {
                        .object([("sharpe_ratio", .string("undefined"))])  // not a number: never in the walk
                    } else if index % 13 == 0 {
                        .object([("sharpe_ratio", .string(from % 3 == 0 ? "-inf" : "+inf"))])  // ordered as numbers
                    } else {
                        .object([("sharpe_ratio", .number(JSONNumber(value)!)), ("trades", .number(3))])
                    }
                let payload = Payload(
                    .object([("backtest_id", .string(id)), ("formula", .string("canonical@1")), ("values", values)]))
                events.append(MetricsEvent(position: UInt64(from), payload: payload.canonicalBytes))
                from += Int64(random.next() % (span / 3)) + 1
            }
        }
        events.sort { $0.position < $1.position }
        let split =
            switch writer {
            case .rebuild, .rebuildKeepingFewKeys: events.count
            case .catchUp: 0
            case .rebuildThenCatchUp: events.count / 2
            }
        let table = try MetricSetTable(db)
        try db.transaction {
            var rebuild = try MetricSetRebuild(into: db, keysInMemory: writer == .rebuildKeepingFewKeys ? 5 : 50_000)
            for event in events[..<split] {
                try event.payload.withUnsafeBytes {
                    try rebuild.apply(payload: $0, position: event.position, runtimePosition: 1)
                }
            }
            try rebuild.finish()
            for event in events[split...] {
                try event.payload.withUnsafeBytes {
                    try table.apply(payload: $0, position: event.position, runtimePosition: 1)
                }
            }
        }
        try db.execute(
            "INSERT INTO projection_state (name, position, recorded_at, updated_at) VALUES ('read_models', \(span), 0, 0) ON CONFLICT (name) DO UPDATE SET position = excluded.position"
        )
        let sortedRows = try db.prepare("SELECT count(*) FROM backtest_metric_values WHERE caught_up IS NULL").rows()
        #expect((sortedRows.first?.first == .integer(0)) == (writer == .catchUp))

        return (directory, models)
    }
}
