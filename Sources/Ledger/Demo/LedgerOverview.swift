import EventLog

/// Events by type: the demo's quick look at what a ledger holds. (Backtests come from the read models.)
public struct LedgerOverview: Sendable {
    public let eventsByType: [(type: String, count: Int)]

    /// One pass over zero-copy views: only each event's type is read.
    public static func read(_ log: EventLog) throws -> LedgerOverview {
        try log.read { reader in
            var counts: [String: Int] = [:]
            try reader.forEachView { view in
                counts[try view.withTypeBytes { String(decoding: $0, as: UTF8.self) }, default: 0] += 1
                return true
            }
            return LedgerOverview(
                eventsByType: counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { ($0.key, $0.value) })
        }
    }

    /// A heading and a TYPE/EVENTS table.
    public var lines: [String] {
        ["events by type:"]
            + TableRenderer(columns: [.init("TYPE"), .init("EVENTS", rightAligned: true)])
            .render(eventsByType.map { [$0.type, String($0.count)] }) + [""]
    }
}
