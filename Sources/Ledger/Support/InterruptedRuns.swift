import BacktestMetrics
import EventLog
import JSON
import LedgerEvents

/// Runs of a recording command that never got their `run.finished` (killed, or the machine went down): the
/// next run of the same command completes what they left — the metrics of the runtimes they recorded — and
/// closes each with a `run.finished` saying it was interrupted, so the work is done once.
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
        let open = try log.read { reader -> [(position: UInt64, stream: String)] in
            var runs: [(position: UInt64, stream: String)] = []
            try reader.forEachEvent(ofType: EventType.runStarted.name) { event in
                if try event.payload.json["command"]?.stringValue == command,
                    try reader.streamVersion(event.stream) == 1
                {
                    runs.append((event.position, event.stream))
                }
                return true
            }
            return runs
        }
        var completion = Completion()
        guard let earliest = open.map(\.position).min() else { return completion }
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
