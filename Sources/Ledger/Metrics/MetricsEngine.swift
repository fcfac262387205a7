import BacktestMetrics
import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents

/// Computes a formula set for recorded runtimes and appends `metrics.computed` events.
///
/// Idempotent by construction: each event's id derives from the formula and the runtime event's id, so the
/// same formula on the same runtime appends nothing the second time (the log treats a repeated id as a no-op).
public struct MetricsEngine {
    public let log: EventLog
    public let registry: FormulaRegistry

    public init(log: EventLog, registry: FormulaRegistry = .builtIn) {
        self.log = log
        self.registry = registry
    }

    public struct Summary: Sendable, Equatable {
        public var formula = ""
        public var computed = 0
        public var alreadyComputed = 0
        public var failed = 0
        public var runtimes = 0
    }

    /// - Parameters:
    ///   - formula: `id@version`; must be registered.
    ///   - lab: only runtimes of this lab.
    ///   - after: only runtime events after this position (a fetch passes where its runtimes began).
    ///   - stop: checked after each committed batch (`LedgerError.interrupted`; what is committed stays).
    public func compute(
        formula name: String, lab: String? = nil, after: UInt64 = 0, batchSize: Int = 1_000, stop: StopRequest? = nil
    ) throws -> Summary {
        guard let formula = registry.find(name) else {
            throw LedgerError.invalidArgument(
                flag: "--formula",
                reason: "unknown formula \(name) (known: \(registry.sets.map(\.name).joined(separator: ", ")))")
        }
        var summary = Summary(formula: formula.name)
        var pending: [EventDraft] = []
        var next = after + 1
        var more = true
        // A page of runtime events at a time, and the log's pages their bodies mapped in handed back every few
        // hundred (the kernel maps 64 KB around each): all of them at once held 2.5 GB for 100,000 runtimes.
        while more {
            more = false
            let runtimes = try log.read { reader in
                var found: [(event: RecordedEvent, lab: String?, backtest: String, body: String)] = []
                try reader.forEachEvent(ofType: EventType.runtimeFetched.name, from: next) { event in
                    next = event.position + 1
                    let json = try event.payload.json
                    // A direct backtest's runtime has no lab (`lab_id` is null).
                    let labID = json["lab_id"]?.stringValue
                    guard let backtest = json["backtest_id"]?.stringValue, let body = json["body_sha256"]?.stringValue
                    else { return true }
                    if lab == nil || lab == labID { found.append((event, labID, backtest, body)) }
                    // A full page: the next one starts after this event.
                    more = found.count >= batchSize
                    return !more
                }
                return found
            }
            summary.runtimes += runtimes.count
            for (index, runtime) in runtimes.enumerated() {
                if index % Self.runtimesBetweenReleases == 0 { try log.read { $0.releaseMappedPages() } }
                let id = MetricsEngine.eventID(formula: formula.name, runtime: runtime.event.id)
                if try log.read({ try $0.position(ofID: id) }) != nil {
                    summary.alreadyComputed += 1
                    continue
                }
                do {
                    let decoded = try decodeRuntime(bodyHash: runtime.body, position: runtime.event.position)
                    pending.append(
                        MetricsPayloads.computed(
                            id: id, formula: formula, runtime: decoded, runtimeEvent: RuntimeProvenance(runtime.event),
                            lab: runtime.lab,
                            backtest: runtime.backtest))
                    summary.computed += 1
                } catch {
                    pending.append(
                        EventDraft(
                            .metricsFailed, id: id, stream: RecorderStreams.backtest(runtime.backtest),
                            payload: Payload(
                                .object([
                                    ("formula", .string(formula.name)), ("backtest_id", .string(runtime.backtest)),
                                    ("error", .string(String(describing: error))),
                                ])), correlationID: runtime.event.correlationID, causation: runtime.event.position,
                            source: runtime.event.source))
                    summary.failed += 1
                }
                if pending.count >= batchSize {
                    try log.append(pending)
                    pending.removeAll(keepingCapacity: true)
                    try stop?.check(
                        "\(formula.name): \(summary.computed + summary.failed + summary.alreadyComputed) runtimes done")
                }
            }
        }
        if !pending.isEmpty { try log.append(pending) }
        return summary
    }

    /// Half of `LogReader.blobsBetweenReleases`: besides its body, each runtime here looks its metrics id up in
    /// the id index and adds to a batch being written, which map pages of their own (100,000 runtimes peaked at
    /// 302 MB with a hand-back per 1,000 and at 228 MB with one per 250).
    static let runtimesBetweenReleases = LogReader.blobsBetweenReleases / 2

    /// The `metrics.computed` drafts the runtime at `position` still lacks among `formulas`: for a command that
    /// stopped between a runtime and its metrics, so the next one completes them (once: the ids are derived).
    func missingMetrics(runtimeAt position: UInt64, formulas: [FormulaSet]) throws -> [EventDraft] {
        guard let event = try log.read({ try $0.event(at: position) }) else { return [] }
        let json = try event.payload.json
        guard let backtest = json["backtest_id"]?.stringValue, let body = json["body_sha256"]?.stringValue else {
            return []
        }
        let missing = try formulas.filter { formula in
            try log.read { try $0.position(ofID: MetricsEngine.eventID(formula: formula.name, runtime: event.id)) }
                == nil
        }
        guard !missing.isEmpty else { return [] }
        let runtime = try decodeRuntime(bodyHash: body, position: position)
        return missing.map { formula in
            MetricsPayloads.computed(
                id: MetricsEngine.eventID(formula: formula.name, runtime: event.id), formula: formula, runtime: runtime,
                runtimeEvent: RuntimeProvenance(event), lab: json["lab_id"]?.stringValue, backtest: backtest)
        }
    }

    private func decodeRuntime(bodyHash: String, position: UInt64) throws -> BacktestRuntime {
        guard let hash = SHA256Hash(hex: bodyHash), let body = try log.read({ try $0.blob(hash) }) else {
            throw LedgerError.integrity("runtime at position \(position) refers to blob \(bodyHash), which is missing")
        }
        return try RuntimeDecoder.runtime(body)
    }

    /// Derived from the formula and the runtime event's id, so computing twice appends once.
    static func eventID(formula: String, runtime: EventID) -> EventID {
        EventID.derived(from: "\(EventType.metricsComputed.name)|\(formula)|\(runtime)")
    }
}
