import BacktestMetrics
import EventLog
import HaasAPI
import JSON
import LedgerEvents

extension MetricValue {
    /// Numbers as JSON numbers; `+inf`, `-inf` and `undefined` as strings (JSON has no non-finite numbers).
    var json: JSONValue {
        switch self {
        case .value(let number): return JSONNumber(number).map(JSONValue.number) ?? .string("undefined")
        default: return .string(description)
        }
    }
}

/// The runtime event a `metrics.computed` cites: its causation, correlation and source.
struct RuntimeProvenance {
    let id: EventID
    let position: UInt64
    let correlationID: EventID?
    let source: String

    init(id: EventID, position: UInt64, correlationID: EventID?, source: String) {
        self.id = id
        self.position = position
        self.correlationID = correlationID
        self.source = source
    }

    init(_ event: RecordedEvent) {
        self.init(id: event.id, position: event.position, correlationID: event.correlationID, source: event.source)
    }
}

enum MetricsPayloads {
    /// `metrics.computed`: the formula and its parameters, the computed values, the server's reported values
    /// under their true names, and `beats_buy_hold`.
    static func computed(
        id: EventID, formula: FormulaSet, runtime: BacktestRuntime, runtimeEvent: RuntimeProvenance, lab: String?,
        backtest: String
    ) -> EventDraft {
        computed(
            id: id, backtest: backtest,
            payload: payload(formula: formula, runtime: runtime, lab: lab, backtest: backtest),
            runtimeEvent: runtimeEvent)
    }

    /// The event around a payload computed earlier (an import computes payloads on several threads, before
    /// the runtime events have positions).
    static func computed(id: EventID, backtest: String, payload: Payload, runtimeEvent: RuntimeProvenance)
        -> EventDraft
    {
        EventDraft(
            .metricsComputed, id: id, stream: RecorderStreams.backtest(backtest), payload: payload,
            correlationID: runtimeEvent.correlationID, causation: runtimeEvent.position, source: runtimeEvent.source)
    }

    static func payload(formula: FormulaSet, runtime: BacktestRuntime, lab: String?, backtest: String) -> Payload {
        let adapted = RuntimeAdapter.adapt(runtime)
        let values = formula.compute(adapted.inputs, settings: adapted.settings)
        let report = runtime.primaryReport
        let profits = report?.profits
        let leverage = runtime.leverage.flatMap { $0 > 0 ? $0 : nil } ?? 1
        // ROI is measured on margin, so it carries the leverage; PC is the unleveraged price change. Comparing
        // ROI / leverage (the return on the notional traded) with PC puts both on the market's scale.
        let beatsBuyHold: JSONValue =
            if let roi = profits?.returnOnInvestment, let change = profits?.priceChange {
                .bool(roi / leverage > change)
            } else { .null }
        // Members in canonical (byte) order, so the canonical writer need not sort them.
        return Payload(
            .object([
                ("backtest_id", .string(backtest)), ("beats_buy_hold", beatsBuyHold),
                ("formula", .string(formula.name)), ("formula_id", .string(formula.id)),
                ("formula_version", .number(formula.version)),
                (
                    "inputs",
                    .object([
                        ("capital", .optional(adapted.capital)), ("end", .optional(Int64(adapted.inputs.endTime))),
                        ("equity_anchor", .string("RM (ROI margin)")),
                        ("periods", .number(max(0, adapted.inputs.equity.count - 1))),
                        ("periods_per_year", .optional(adapted.settings.periodsPerYear)),
                        ("start", .optional(Int64(adapted.inputs.startTime))),
                        ("trades", .number(adapted.inputs.trades.count)),
                    ])
                ),
                ("lab_id", .optional(lab)),
                ("parameters", .object(formula.parameters.entries.map { ($0.0, .string($0.1)) })),
                ("reported", FetchPayloads.reported(runtime)),
                ("unrealized_profits", .optional(adapted.unrealizedProfits)),
                ("values", .object(values.entries.map { ($0.name, $0.value.json) })),
            ]))
    }
}
