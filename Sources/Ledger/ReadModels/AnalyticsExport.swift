import EventLog
import Foundation
import JSON
import Projections

extension ReadModelService {
    /// The columns of pyHaasAPI's `backtests_analytics.csv` (haas-api.md §5.2), plus `formula` and `as_of`.
    public static let analyticsColumns = [
        "account_id", "backtest_id", "beats_buy_hold", "end_time", "fees_usdt", "generation", "interval",
        "losing_trades",
        "market_tag", "max_drawdown", "orders", "pc_value", "population", "positions", "realized_profits_usdt",
        "rising_length", "roi_percentage", "script_id", "script_name", "start_time", "stop_loss_percentage",
        "stop_loss_shrinkage", "total_profit", "total_trades", "trades", "vwap_window", "win_rate", "winning_trades",
        "formula", "as_of",
    ]

    /// Script parameters some columns come from, matched on the last segment of the parameter key.
    static let parameterColumns: [String: [String]] = [
        "rising_length": ["rising length"],
        "stop_loss_percentage": ["stop loss", "stop loss %", "stop loss percentage"],
        "stop_loss_shrinkage": ["stop loss shrinkage"], "vwap_window": ["vwap window"],
    ]

    /// `export csv`, with the **correct** meanings: `max_drawdown` is the computed drawdown (a fraction ≤ 0), not
    /// RM; `pc_value` is the market's price change %; generation and population are filled in; `roi_percentage`
    /// is the server's ROI (on margin); `total_profit` and the trade counts are computed; `trades` and `positions`
    /// are the server's closed-position count; `beats_buy_hold` is ROI / leverage > PC. `orders` is left empty:
    /// the ledger does not count orders.
    ///
    /// The first page has no rows, so that the header is written when nothing matches. The rows come page by
    /// page, by backtest id, so the export of a ledger of any size holds one page of
    /// backtests and their metric sets at a time; every page is read from the same position.
    public func analytics(
        lab: String?, formula asked: String?, at moment: Moment, pageSize: Int = 2_000,
        page: (ResultTable) throws -> Void
    ) throws {
        let (source, formula) = try read(formula: asked)
        let (position, asOfTime) = try Self.headBounded(moment, source.events)
        try Self.requireLabs(lab.map { [$0] } ?? [], in: source.models, asOf: position)
        // The header even when nothing is exported.
        try page(ResultTable(columns: Self.analyticsColumns, rows: []))
        try Self.forEachFactsPage(
            source.models, lab: lab, formula: formula, asOf: position, pageSize: pageSize
        ) { facts, metrics in
            try page(
                ResultTable(
                    columns: Self.analyticsColumns,
                    rows: facts.map {
                        Self.analyticsRow($0, computed: metrics[$0.backtestID], formula: formula, asOfTime: asOfTime)
                    }))
        }
    }

    /// The backtests of `lab` (or the direct ones, or all) as of `position`, a page of ids at a time, each page
    /// with the metric sets its backtests have under `formula`: what an export of any size holds at once.
    static func forEachFactsPage(
        _ models: any ReadModelReading, lab: String?, directOnly: Bool = false, formula: String,
        asOf position: UInt64, pageSize: Int = 2_000,
        _ page: (_ facts: [BacktestFactsRow], _ metrics: [String: BacktestRow]) throws -> Void
    ) throws {
        var after: String?
        while true {
            let facts = try models.backtestFacts(
                lab: lab, directOnly: directOnly, asOf: position, after: after, limit: pageSize)
            guard let first = facts.first?.backtestID, let last = facts.last?.backtestID else { return }
            var query = BacktestQuery(lab: lab, formula: formula, asOf: position)
            query.directOnly = directOnly
            query.backtestIDs = first...last
            try page(
                facts,
                Dictionary(
                    try models.backtests(query).map { ($0.backtestID, $0) }, uniquingKeysWith: { first, _ in first }))
            after = last
        }
    }

    /// One row of `analyticsColumns` for a backtest's facts and (when computed) its metrics.
    static func analyticsRow(
        _ facts: BacktestFactsRow, computed: BacktestRow?, formula: String, asOfTime: Int64?
    ) -> [ResultTable.Cell] {
        func time(_ seconds: Int64?) -> ResultTable.Cell {
            seconds.map { .text(Timestamp.format($0 * 1_000_000)) } ?? .null
        }
        func metric(_ name: String) -> ResultTable.Cell { Self.cell(computed?.metric(name)) }
        let roi = facts.reportedROI
        let priceChange = facts.reportedPriceChangePercent
        let leverage = facts.leverage ?? 1
        let beats: ResultTable.Cell =
            if let roi, let priceChange { .text(roi / max(leverage, 1e-12) > priceChange ? "true" : "false") } else {
                .null
            }
        let scriptParameters = facts.parameters.flatMap { try? JSONParser.parse($0) }
        func parameter(_ column: String) -> ResultTable.Cell {
            guard case .object(let members)? = scriptParameters, let names = Self.parameterColumns[column] else {
                return .null
            }
            for (key, value) in members {
                let last = (key.split(separator: ".").last.map(String.init) ?? key).lowercased()
                    .trimmingCharacters(in: .whitespaces)
                if names.contains(last) {
                    return value.stringValue.map(ResultTable.Cell.text) ?? .text(CanonicalJSON.string(value))
                }
            }
            return .null
        }
        let cells: [String: ResultTable.Cell] = [
            "account_id": .init(facts.accountID), "backtest_id": .text(facts.backtestID),
            "beats_buy_hold": beats, "end_time": time(facts.endedAt),
            "fees_usdt": .init(facts.reportedTotalFeeCosts), "generation": .init(facts.generation),
            "interval": .init(facts.interval), "losing_trades": metric("num_losing"),
            "market_tag": .init(facts.market), "max_drawdown": metric("max_drawdown"), "orders": .null,
            "pc_value": .init(priceChange), "population": .init(facts.population),
            "positions": .init(facts.reportedClosedPositions),
            "realized_profits_usdt": .init(facts.reportedRealizedProfits),
            "rising_length": parameter("rising_length"), "roi_percentage": .init(roi),
            "script_id": .init(facts.scriptID), "script_name": .init(facts.scriptName),
            "start_time": time(facts.startedAt),
            "stop_loss_percentage": parameter("stop_loss_percentage"),
            "stop_loss_shrinkage": parameter("stop_loss_shrinkage"),
            "total_profit": metric("total_net_pnl"), "total_trades": metric("num_trades"),
            "trades": .init(facts.reportedClosedPositions), "vwap_window": parameter("vwap_window"),
            "win_rate": metric("win_rate"), "winning_trades": metric("num_winning"), "formula": .text(formula),
            "as_of": asOfTime.map { .text(Timestamp.format($0)) } ?? .null,
        ]
        return Self.analyticsColumns.map { cells[$0] ?? .null }
    }
}
