import EventLog
import HaasAPI
import JSON
import LedgerEvents

/// The domain events a fetch records (DESIGN §5). Wire facts keep their true names; nothing is "fixed".
enum FetchPayloads {
    static func lab(_ lab: LabRecord, channel: String, bodyHash: String) -> EventDraft {
        EventDraft(
            .labObserved, stream: RecorderStreams.lab(lab.labID),
            payload: Payload(
                .object([
                    ("lab_id", .string(lab.labID)), ("channel", .string(channel)), ("name", .optional(lab.name)),
                    ("script_id", .optional(lab.scriptID)), ("status", .optional(lab.status)),
                    ("scheduled_backtests", .optional(lab.scheduledBacktests)),
                    ("completed_backtests", .optional(lab.completedBacktests)),
                    ("created_at", .optional(lab.createdAt)),
                    ("updated_at", .optional(lab.updatedAt)), ("parameters", .optional(lab.parameters)),
                    ("config", .optional(lab.config)), ("settings", .optional(lab.settings)),
                    ("body_sha256", .string(bodyHash)),
                ])))
    }

    static func result(_ record: BacktestResultRecord, lab: String, pageBodyHash: String) -> EventDraft {
        EventDraft(
            .resultObserved, stream: RecorderStreams.backtest(record.backtestID),
            payload: Payload(
                .object([
                    ("lab_id", .string(record.labID ?? lab)), ("backtest_id", .string(record.backtestID)),
                    ("record_id", .optional(record.recordID)), ("generation", .optional(record.generation)),
                    ("population", .optional(record.population)), ("status", .optional(record.status)),
                    ("parameters", .optional(record.parameters)), ("settings", .optional(record.settings)),
                    ("summary", .optional(record.summary?.raw)), ("page_body_sha256", .string(pageBodyHash)),
                ])))
    }

    /// Compares the records paged in with the lab's completed count `CB`.
    static func reconciliation(lab: String, expected: Int?, results: PagedBacktestResults) -> (
        draft: EventDraft, matches: Bool
    ) {
        let matches = expected.map { $0 == results.records.count } ?? true
        let draft = EventDraft(
            .resultsReconciled, stream: RecorderStreams.lab(lab),
            payload: Payload(
                .object([
                    ("lab_id", .string(lab)), ("expected_completed", .optional(expected)),
                    ("fetched", .number(results.records.count)), ("pages", .number(results.pages.count)),
                    ("duplicates_dropped", .number(results.duplicatesDropped)),
                    ("stop", .string(results.stop.rawValue)),
                    ("matches", .bool(matches)),
                ])))
        return (draft, matches)
    }

    /// The server's own report values under their true names: `roi_margin` is RM (the ROI margin, never a
    /// drawdown), `price_change_pct` is PC (the market's price change, never a balance), `max_drawdown` is
    /// GEN's `MaxDrawDown`, null when the server does not send it.
    static func reported(_ runtime: BacktestRuntime) -> JSONValue {
        let report = runtime.primaryReport
        let profits = report?.profits
        // Listed in canonical (byte) order, so the canonical writer finds them sorted and need not sort.
        return .object([
            ("closed_positions", .optional(report?.positions?.closed)),
            ("gross_profits", .optional(profits?.grossProfits)),
            ("max_drawdown", .optional(report?.performance?.maxDrawDown)),
            ("price_change_pct", .optional(profits?.priceChange)),
            ("profit_factor", .optional(report?.performance?.profitFactor)),
            ("realized_profits", .optional(profits?.realizedProfits)),
            ("roi", .optional(profits?.returnOnInvestment)), ("roi_margin", .optional(profits?.roiMargin)),
            ("sharpe", .optional(report?.performance?.sharpe)),
            ("sortino", .optional(report?.performance?.sortino)),
            ("start_balance", .optional(profits?.startBalance)), ("start_price", .optional(profits?.startPrice)),
            ("total_fee_costs", .optional(report?.fees?.totalFeeCosts)),
            ("unrealized_profits", .optional(profits?.unrealizedProfits)),
            ("win_percentage", .optional(report?.performance?.winPercentage)),
            ("winning_positions", .optional(report?.positions?.winning)),
        ])
    }

    /// The runtime's facts plus the server's report values.
    static func runtime(
        _ runtime: BacktestRuntime, lab: String?, backtest: String, bodyHash: String,
        extra: [(key: String, value: JSONValue)] = []
    ) -> EventDraft {
        // In canonical order (see `reported`).
        let facts: [(key: String, value: JSONValue)] = [
            ("account_id", .optional(runtime.accountID)), ("backtest_id", .string(backtest)),
            ("body_sha256", .string(bodyHash)), ("ended_at", .optional(runtime.lastUpdateTimestamp)),
            ("finished_positions", .number(runtime.finishedPositions.count)), ("lab_id", .optional(lab)),
            ("leverage", .optional(runtime.leverage)), ("market", .optional(runtime.priceMarket)),
            ("reported", reported(runtime)), ("script_id", .optional(runtime.scriptID)),
            ("script_name", .optional(runtime.scriptName)), ("started_at", .optional(runtime.activatedSince)),
        ]
        return EventDraft(
            .runtimeFetched, stream: RecorderStreams.backtest(backtest), payload: Payload(.object(facts + extra)),
            observedAt: runtime.lastUpdateTimestamp.map { $0 * 1_000_000 })
    }

    static func attachment(channel: String, lab: String, backtest: String, bodyHash: String, bytes: Int) -> EventDraft {
        EventDraft(
            stream: RecorderStreams.backtest(backtest),
            type: (channel == "GET_BACKTEST_LOG" ? EventType.logFetched : EventType.chartFetched).name,
            payload: Payload(
                .object([
                    ("lab_id", .string(lab)), ("backtest_id", .string(backtest)), ("body_sha256", .string(bodyHash)),
                    ("body_bytes", .number(bytes)),
                ])))
    }

    static func execution(_ update: LabExecutionUpdate, lab: String) -> EventDraft {
        EventDraft(
            .labExecutionUpdated, stream: RecorderStreams.lab(lab),
            payload: Payload(
                .object([
                    ("lab_id", .string(lab)), ("status", .optional(update.status)),
                    ("progress", .optional(update.progress)),
                    ("completed_backtests", .optional(update.completedBacktests)),
                    ("scheduled_backtests", .optional(update.scheduledBacktests)), ("raw", update.raw),
                ])))
    }

    static func historyStatus(_ entry: HistoryStatusEntry, bodyHash: String) -> EventDraft {
        EventDraft(
            .historyStatusObserved, stream: RecorderStreams.market(entry.market),
            payload: Payload(
                .object([
                    ("market", .string(entry.market)), ("status", .optional(entry.status)),
                    ("synched", .bool(entry.status == 3)), ("max_months", .optional(entry.maxMonths)),
                    ("body_sha256", .string(bodyHash)),
                ])))
    }

    /// `fetch.failed`: a call that failed after its retries, on the stream of its subject.
    static func failure(channel: String, lab: String?, backtest: String?, error: any Error, server: String)
        -> EventDraft
    {
        EventDraft(
            .fetchFailed, stream: RecorderStreams.subject(lab: lab, backtest: backtest, server: server),
            payload: Payload(
                .object([
                    ("channel", .string(channel)), ("lab_id", .optional(lab)), ("backtest_id", .optional(backtest)),
                    ("error", .string(String(describing: error))),
                ])))
    }
}
