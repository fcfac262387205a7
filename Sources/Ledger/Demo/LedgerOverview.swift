import EventLog

/// What a ledger holds, for the demo and for a quick look: events by type, and the latest runtime of a
/// few backtests with the server's reported values. (The read models will answer richer questions.)
public struct LedgerOverview: Sendable {
    public struct BacktestLine: Sendable, Equatable {
        public let backtestID: String
        public let labID: String
        public let market: String
        public let reportedROI: Double?
        public let realizedProfits: Double?
        public let positions: Int
        public let fetchedAt: Int64
    }

    public let eventsByType: [(type: String, count: Int)]
    public let backtests: [BacktestLine]
    public let head: LogHead?

    /// Reads every event once; keeps the newest runtime per backtest.
    public static func read(_ log: EventLog) throws -> LedgerOverview {
        try log.read { reader in
            var counts: [String: Int] = [:]
            var latest: [String: BacktestLine] = [:]
            try reader.forEachEvent { event in
                counts[event.type, default: 0] += 1
                guard event.type == "haas.backtest.runtime.fetched", let json = try? event.payload.json,
                    let backtest = json["backtest_id"]?.stringValue
                else { return true }
                let reported = json["reported"]
                latest[backtest] = BacktestLine(
                    backtestID: backtest, labID: json["lab_id"]?.stringValue ?? "",
                    market: json["market"]?.stringValue ?? "",
                    reportedROI: reported?["roi"]?.numberValue?.doubleValue,
                    realizedProfits: reported?["realized_profits"]?.numberValue?.doubleValue,
                    positions: Int(json["finished_positions"]?.numberValue?.int64Value ?? 0),
                    fetchedAt: event.recordedAt)
                return true
            }
            let lines = latest.values.sorted {
                ($0.reportedROI ?? -.infinity, $1.backtestID) > ($1.reportedROI ?? -.infinity, $0.backtestID)
            }
            return LedgerOverview(
                eventsByType: counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { ($0.key, $0.value) },
                backtests: lines, head: try reader.head())
        }
    }

    /// Table lines: event counts, then (when `limit` > 0) the top `limit` backtests by the server's reported ROI.
    public func lines(limit: Int) -> [String] {
        var out = ["events by type:"]
        out += TableRenderer(columns: [.init("TYPE"), .init("EVENTS", rightAligned: true)])
            .render(eventsByType.map { [$0.type, String($0.count)] })
        out.append("")
        guard limit > 0 else { return out }
        out.append(
            "top \(min(limit, backtests.count)) of \(backtests.count) backtests by the server's reported ROI (RP / RM × 100):"
        )
        let rows = backtests.prefix(limit).map { line in
            [
                line.backtestID, line.market, line.reportedROI.map { Self.format($0) } ?? "-",
                line.realizedProfits.map { Self.format($0) } ?? "-", String(line.positions),
            ]
        }
        out += TableRenderer(columns: [
            .init("BACKTEST"), .init("MARKET"), .init("ROI %", rightAligned: true), .init("RP", rightAligned: true),
            .init("POSITIONS", rightAligned: true),
        ]).render(rows)
        return out
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return String(rounded)
    }
}
