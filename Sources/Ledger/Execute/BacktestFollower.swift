import BacktestMetrics
import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents

/// Where a direct backtest is, for a progress line.
public struct BacktestProgress: Sendable {
    public let backtestID: String
    public let phase: String
    public let percent: Double?
    public let polls: Int
}

/// Polls a direct backtest (`GET_BACKTEST_INFO`) and records what it sees: each change of status, and once it
/// completes, its runtime (the `Runtime` member's bytes as a blob, like a fetched runtime), the runtime's
/// `metrics.computed` under every formula and `haas.backtest.finished`. A stop asked for between polls
/// cancels the backtest on the server, records that, and throws `LedgerError.interrupted`.
struct BacktestFollower {
    let client: HaasClient
    let recorder: EventRecorder
    let log: EventLog
    let formulas: [FormulaSet]
    let stop: StopRequest
    let pollInterval: Duration
    var progress: (@Sendable (BacktestProgress) -> Void)?
    /// Asked when a stop comes: cancel the backtest on the server (a single backtest's Ctrl-C), or leave it
    /// running for a later command to follow (a sweep's Ctrl-C: `sweep resume` picks its trials up).
    var cancelsOnStop: @Sendable () -> Bool = { true }
    /// The runtime is left for the recorder's next commit and its metrics for the one after (a sweep's next
    /// request carries them), rather than committed before `follow` returns; the outcome then names no
    /// runtime position.
    var defersResultCommit = false

    struct Outcome: Sendable {
        var phase: BacktestInfo.Phase
        var progress: Double?
        var polls: Int
        var runtimePosition: UInt64?
        /// With `defersResultCommit`: the runtime draft whose commit queues the metrics.
        var deferredRuntime: EventID?
        /// The metrics recorded by this follow, by formula.
        var metrics: [(formula: String, values: JSONValue)] = []
    }

    /// Follows until the backtest completes or is cancelled; with `once`, polls a single time.
    func follow(_ backtestID: String, record: DirectBacktestRecord, once: Bool = false) async throws -> Outcome {
        var seen = (status: record.lastStatus, progress: record.lastProgress)
        var polls = record.polls
        while true {
            if stop.isRequested {
                guard cancelsOnStop() else {
                    try recorder.flush()
                    throw LedgerError.interrupted("backtest \(backtestID) keeps running on the server")
                }
                try await cancelForStop(backtestID, record: record, at: seen.progress)
            }
            let reply: HaasReply<BacktestInfo>
            do {
                reply = try await client.backtestInfo(backtestID: backtestID)
            } catch HaasAPIError.serverRefused(let channel, let message) {
                // Not a lost poll: the server says no (a deleted or mistyped id, say).
                let error = HaasAPIError.serverRefused(channel: channel, message: message)
                recorder.add(DirectBacktestPayloads.failed(backtestID, stage: "poll", error))
                try recorder.flush()
                throw LedgerError.partialFailure("backtest \(backtestID): \(error)")
            } catch {
                recorder.add(DirectBacktestPayloads.failed(backtestID, stage: "poll", error))
                try recorder.flush()
                throw LedgerError.partialFailure(
                    "following backtest \(backtestID) failed: \(error); it may still be running on the server, and `haasledger backtest status \(backtestID) --wait` picks it up"
                )
            }
            polls += 1
            let info = reply.value
            if info.status != seen.status || info.progress != seen.progress {
                recorder.add(DirectBacktestPayloads.progressed(backtestID, info))
                seen = (info.status, info.progress)
            }
            progress?(
                BacktestProgress(
                    backtestID: backtestID, phase: info.phase.rawValue, percent: info.progress, polls: polls))
            switch info.phase {
            case .completed:
                return try recordResult(backtestID, info: info, body: reply.body, record: record, polls: polls)
            case .cancelled:
                if !record.cancelled {
                    recorder.add(
                        DirectBacktestPayloads.cancelled(
                            backtestID, reason: "seen cancelled on the server", serverStoppedIt: nil))
                }
                try recorder.flush()
                return Outcome(phase: .cancelled, progress: info.progress, polls: polls)
            case .queued, .running, .unknown:
                if once {
                    try recorder.flush()
                    return Outcome(phase: info.phase, progress: info.progress, polls: polls)
                }
            }
            // A poll starts nothing on the server: before a pause it is committed (nothing waits uncommitted
            // while the process idles); polls sent back to back share a commit, none waiting over 0.2 s.
            if pollInterval > .zero {
                try recorder.flush()
            } else {
                try recorder.flush(ifOlderThan: .milliseconds(200))
            }
            try await pause()
        }
    }

    /// Waits `pollInterval`, in short steps so a stop is seen within a tenth of a second.
    private func pause() async throws {
        let clock = ContinuousClock()
        let until = clock.now + pollInterval
        while clock.now < until, !stop.isRequested {
            try? await Task.sleep(for: min(.milliseconds(100), until - clock.now))
        }
    }

    /// Cancels what this process started, records it and stops the command (exit 130).
    private func cancelForStop(_ backtestID: String, record: DirectBacktestRecord, at progress: Double?) async throws
        -> Never
    {
        let stopped: Bool?
        do {
            stopped = try await client.cancelBacktest(
                backtestID: backtestID, serviceID: record.serviceID ?? "LocalService-ENT"
            ).value
        } catch {
            recorder.add(DirectBacktestPayloads.failed(backtestID, stage: "cancel", error))
            stopped = nil
        }
        recorder.add(DirectBacktestPayloads.cancelled(backtestID, reason: "interrupted", serverStoppedIt: stopped))
        try recorder.flush()
        let at = progress.map { " at \(ReadableNumbers.text(.number($0), display: .percent))" } ?? ""
        let outcome =
            stopped == true
            ? "cancelled on the server\(at)"
            : stopped == false
                ? "it had already ended on the server"
                : "cancelling it failed; see `haasledger backtest status \(backtestID)`"
        throw LedgerError.interrupted("backtest \(backtestID): \(outcome); recorded")
    }

    /// Records the runtime, its metrics and the end, unless the log already holds the runtime.
    private func recordResult(
        _ backtestID: String, info: BacktestInfo, body: [UInt8], record: DirectBacktestRecord, polls: Int
    ) throws -> Outcome {
        var outcome = Outcome(phase: .completed, progress: info.progress, polls: polls)
        if let position = record.runtimePosition {
            // Recorded before; a command stopped between the runtime and its metrics left the rest to this one.
            let missing = try MetricsEngine(log: log).missingMetrics(runtimeAt: position, formulas: formulas)
            for metric in missing { recorder.add(metric) }
            if !record.finished {
                recorder.add(Self.finished(backtestID, polls: polls, runtimeAt: position))
            }
            try recorder.flush()
            outcome.runtimePosition = position
            outcome.metrics = try record.metrics + Self.values(missing)
            return outcome
        }
        guard let bytes = info.runtimeBytes else {
            let error = LedgerError.partialFailure(
                "GET_BACKTEST_INFO says backtest \(backtestID) completed but carries no Runtime")
            recorder.add(DirectBacktestPayloads.failed(backtestID, stage: "runtime", error))
            try recorder.flush()
            throw error
        }
        let runtime: BacktestRuntime
        do {
            runtime = try info.runtime()
        } catch {
            recorder.add(DirectBacktestPayloads.failed(backtestID, stage: "runtime", error))
            try recorder.flush()
            throw error
        }
        let blob = Blob(bytes)
        var draft = FetchPayloads.runtime(
            runtime, lab: nil, backtest: backtestID, bodyHash: blob.hash.hex,
            extra: [
                ("script_version", .optional(record.scriptVersion)), ("origin", .string("direct")),
                ("parameters", record.requested?["parameters"] ?? .null),
                ("info_body_sha256", .string(Blob(body).hash.hex)),
            ])
        draft.blobs = [blob]
        if defersResultCommit {
            let payloads = formulas.map { formula in
                (
                    formula.name,
                    MetricsPayloads.payload(formula: formula, runtime: runtime, lab: nil, backtest: backtestID)
                )
            }
            recorder.add(draft) { recorded, position in
                let provenance = RuntimeProvenance(
                    id: recorded.id, position: position, correlationID: recorded.correlationID, source: recorded.source)
                return payloads.map { formula, payload in
                    MetricsPayloads.computed(
                        id: MetricsEngine.eventID(formula: formula, runtime: recorded.id), backtest: backtestID,
                        payload: payload, runtimeEvent: provenance)
                } + [Self.finished(backtestID, polls: polls, runtimeAt: position)]
            }
            outcome.metrics = try Self.values(payloads.map(\.1))
            outcome.deferredRuntime = draft.id
            return outcome
        }
        recorder.add(draft)
        try recorder.flush()
        let decoded = DecodedRuntimes()
        decoded.add(eventID: draft.id, runtime: runtime, lab: nil, backtest: backtestID)
        let metrics = try decoded.metricsDrafts(log: log, formulas: formulas)
        for metric in metrics { recorder.add(metric) }
        let position = try log.read { try $0.position(ofID: draft.id) }
        recorder.add(Self.finished(backtestID, polls: polls, runtimeAt: position))
        // Left for the run's closing commit: the runtime is on the log, and a crash before then leaves metrics
        // that the next follow of this backtest computes again from it.
        outcome.runtimePosition = position
        outcome.metrics = try Self.values(metrics)
        return outcome
    }

    /// `haas.backtest.finished`, caused by the runtime event at `position`.
    private static func finished(_ backtestID: String, polls: Int, runtimeAt position: UInt64?) -> EventDraft {
        var finished = DirectBacktestPayloads.draft(.backtestFinished, backtestID, [("polls", .number(polls))])
        finished.causation = position
        return finished
    }

    /// Formula → values of `metrics.computed` drafts.
    static func values(_ metrics: [EventDraft]) throws -> [(formula: String, values: JSONValue)] {
        try values(metrics.map(\.payload))
    }

    /// Formula → values of `metrics.computed` payloads.
    static func values(_ payloads: [Payload]) throws -> [(formula: String, values: JSONValue)] {
        try payloads.compactMap { payload in
            let json = try payload.json
            guard let formula = json["formula"]?.stringValue, let values = json["values"] else { return nil }
            return (formula, values)
        }
    }
}
