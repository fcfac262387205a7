import BacktestMetrics
import EventLog
import JSON
import LedgerEvents

/// Runs of a recording command that did not finish cleanly: the next run of the same command completes what
/// they left — the metrics of the runtimes they recorded — so the work is done once.
///
/// A run that never got its `run.finished` (killed, or the machine went down) is also closed, with a
/// `run.finished` saying it was interrupted. A run that finished with an error (a full disk between a batch of
/// runtimes and their metrics) is closed already; it is completed when no run of the command has finished
/// cleanly since it started, because a clean run completes everything before it when it starts.
enum InterruptedRuns {
    struct Completion {
        var metricsComputed = 0
        var metricsFailed = 0
        var runsClosed = 0
        var events: Int { metricsComputed + metricsFailed + runsClosed }
    }

    /// - Parameters:
    ///   - command: the `command` member of the runs' `run.started`.
    ///   - formulas: the formulas every runtime gets.
    ///   - runID: the run doing the completing, named in each closing event.
    static func complete(
        _ command: String, in log: EventLog, formulas: [FormulaSet], by runID: EventID, source: String
    ) throws -> Completion {
        let (open, failed) = try log.read { reader -> ([(position: UInt64, stream: String)], [UInt64]) in
            var cleanEnd: [String: Bool] = [:]
            try reader.forEachEvent(ofType: EventType.runFinished.name) { event in
                let payload = try event.payload.json
                let clean = payload["interrupted"] != .bool(true) && (payload["error"] ?? .null) == .null
                cleanEnd[event.stream] = clean
                return true
            }
            var open: [(position: UInt64, stream: String)] = []
            var failed: [UInt64] = []
            try reader.forEachEvent(ofType: EventType.runStarted.name) { event in
                guard try event.payload.json["command"]?.stringValue == command else { return true }
                switch cleanEnd[event.stream] {
                case nil: open.append((event.position, event.stream))
                case false?: failed.append(event.position)
                case true?: failed.removeAll()  // it completed every run before it
                }
                return true
            }
            return (open, failed)
        }
        var completion = Completion()
        guard let earliest = (open.map(\.position) + failed).min() else { return completion }
        for formula in formulas {
            let part = try MetricsEngine(log: log).compute(formula: formula.name, after: earliest)
            completion.metricsComputed += part.computed
            completion.metricsFailed += part.failed
        }
        let closing = open.map { run in
            EventDraft(
                .runFinished, stream: run.stream,
                payload: Payload(
                    .object([
                        ("command", .string(command)), ("interrupted", .bool(true)),
                        ("completed_by_run", .string(runID.description)),
                        ("metrics_computed", .number(completion.metricsComputed)),
                    ])),
                expectedVersion: 1, correlationID: runID, source: source)
        }
        try log.append(closing)
        completion.runsClosed = closing.count
        return completion
    }
}
