import EventLog
import EventLogTesting
import SQLiteKit
import Testing

@testable import Projections

/// The bucketed top-N path must return exactly what the full scan returns, at any position.
@Suite struct TopNTests {
    @Test func bucketedTopNEqualsTheFullScanAtEveryPosition() throws {
        let directory = try TemporaryDirectory(prefix: "haasledger-topn")
        let log = try EventLog.open(directory: directory.appending("log"))
        let models = try ReadModels(path: directory.appending("readmodels.sqlite"), log: log)
        let db = models.db
        // Versions spread over four buckets of 65,536 positions, with ties, closures, labs and a backtest
        // that exists only later than some of its metric rows.
        var random = SeededRandom(seed: 99)
        let insertBacktest = try db.prepare(
            "INSERT INTO backtests (backtest_id, lab_id, market, valid_from, valid_to) VALUES (?, ?, ?, ?, ?)")
        let insertMetric = try db.prepare(
            "INSERT INTO backtest_metrics (backtest_id, formula, metric, value, value_text, runtime_position, valid_from, valid_to) VALUES (?, 'canonical@1', 'sharpe_ratio', ?, ?, 1, ?, ?)"
        )
        let span: Int64 = 4 * 65_536
        for index in 0..<300 {
            let id = "bt-\(index)"
            let born = Int64(random.next() % UInt64(span / 2)) + 1
            try insertBacktest.run([.text(id), .text(index % 3 == 0 ? "L1" : "L2"), .text("M"), .integer(born), .null])
            var from = born + Int64(random.next() % 50) - 25  // sometimes before the backtest row exists
            while from < span {
                let next = from + Int64(random.next() % UInt64(span / 3)) + 1
                let value = Double(random.next() % 40) / 4  // many ties
                try insertMetric.run([
                    .text(id), .real(value), .text(String(value)), .integer(max(1, from)),
                    next < span ? .integer(next) : .null,
                ])
                from = next
            }
        }
        try db.execute(
            "INSERT INTO projection_state (name, position, recorded_at, updated_at) VALUES ('read_models', \(span), 0, 0) ON CONFLICT (name) DO UPDATE SET position = excluded.position"
        )
        var checked = 0
        let positions: [Int64?] = stride(from: Int64(1), to: span + 5_000, by: 7_919).map { $0 } + [nil]
        for position in positions {
            for ascending in [false, true] {
                for lab in [nil, "L1"] {
                    let query = BacktestQuery(
                        lab: lab, sort: "sharpe_ratio", ascending: ascending, limit: 15,
                        asOf: position.map { UInt64($0) })
                    let expected = try models.allBacktests(query)
                    guard let fast = try models.topBacktests(query) else {
                        #expect(expected.count < 15, "fast path declined at \(String(describing: position))")
                        continue
                    }
                    #expect(fast.map(\.backtestID) == expected.map(\.backtestID), "at \(String(describing: position))")
                    checked += 1
                }
            }
        }
        #expect(checked > 100)
    }
}
