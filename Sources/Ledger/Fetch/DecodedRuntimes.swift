import BacktestMetrics
import EventLog
import HaasAPI
import Platform

/// Runtimes decoded during a fetch whose metrics are still to be computed (once their events have positions).
final class DecodedRuntimes: Sendable {
    private let pending = Locked([(eventID: EventID, runtime: BacktestRuntime, lab: String?, backtest: String)]())

    func add(eventID: EventID, runtime: BacktestRuntime, lab: String?, backtest: String) {
        pending.withLock { $0.append((eventID, runtime, lab, backtest)) }
    }

    /// `metrics.computed` drafts (one per formula) for the pending runtimes whose events are committed.
    func metricsDrafts(log: EventLog, formulas: [FormulaSet]) throws -> [EventDraft] {
        let items = pending.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
        var waiting: [(eventID: EventID, runtime: BacktestRuntime, lab: String?, backtest: String)] = []
        let drafts = try log.read { reader in
            try items.flatMap { item -> [EventDraft] in
                guard let position = try reader.position(ofID: item.eventID), let event = try reader.event(at: position)
                else {
                    waiting.append(item)
                    return []
                }
                return formulas.map { formula in
                    MetricsPayloads.computed(
                        id: MetricsEngine.eventID(formula: formula.name, runtime: event.id), formula: formula,
                        runtime: item.runtime, runtimeEvent: RuntimeProvenance(event), lab: item.lab,
                        backtest: item.backtest)
                }
            }
        }
        if !waiting.isEmpty { pending.withLock { $0.append(contentsOf: waiting) } }
        return drafts
    }
}
