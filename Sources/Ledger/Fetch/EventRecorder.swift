import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents
import Platform

/// Collects a run's events: every HTTP exchange the client reports (as `haas.response.recorded`, body in
/// the blob store) and the domain events the use case adds. `flush` commits what has accumulated as one
/// batch, so a crash loses at most the batch in flight.
public final class EventRecorder: HaasExchangeObserver, Sendable {
    public let correlationID: EventID
    public let source: String
    private let log: EventLog
    /// The events queued and not yet committed, and the counts so far.
    private let state = Locked((pending: [EventDraft](), since: ContinuousClock.Instant?.none, counts: Counts()))
    private let committing = Locked(())
    /// Per queued draft, what to queue once it is committed (`add(_:thenOnceCommitted:)`).
    private let derivations = Locked([EventID: @Sendable (EventDraft, UInt64) -> [EventDraft]]())

    /// What the run has recorded so far.
    public struct Counts: Sendable, Equatable {
        public var exchanges = 0
        public var failedExchanges = 0
        public var bodyBytes = 0
        public var events = 0
    }

    public init(log: EventLog, correlationID: EventID, source: String) {
        self.log = log
        self.correlationID = correlationID
        self.source = source
    }

    public var snapshot: Counts { state.withLock { $0.counts } }

    public func record(_ exchange: HaasExchange) {
        let blob = exchange.body.isEmpty ? nil : Blob(exchange.body)
        var members: [(key: String, value: JSONValue)] = [
            ("channel", .string(exchange.channel)),
            ("endpoint", .string("\(exchange.endpoint.rawValue)API.php")),
            ("method", .string(exchange.method)),
            ("parameters", .object(exchange.parameters.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("attempt", .number(exchange.attempt)),
            ("http_status", .optional(exchange.httpStatus)),
            ("latency_us", .number(exchange.latencyMicros)),
            ("envelope_success", exchange.envelopeSuccess.map(JSONValue.bool) ?? .null),
            ("envelope_error", .optional(exchange.envelopeError)),
            ("failure", .optional(exchange.failure?.description)),
            ("body_sha256", .optional(blob?.hash.hex)),
            ("body_bytes", .number(exchange.body.count)),
            ("redactions", .number(exchange.redactions)),
        ]
        if exchange.channel.hasPrefix("LOGIN") { members.append(("body_kept", .bool(false))) }
        let stream = RecorderStreams.subject(lab: exchange.labID, backtest: exchange.backtestID, server: source)
        add(
            EventDraft(
                .responseRecorded, stream: stream, payload: Payload(.object(members)),
                correlationID: correlationID, source: source, blobs: blob.map { [$0] } ?? []))
        state.withLock {
            $0.counts.exchanges += 1
            $0.counts.bodyBytes += exchange.body.count
            if exchange.failure != nil { $0.counts.failedExchanges += 1 }
        }
    }

    /// Queues a domain event of this run.
    public func add(_ draft: EventDraft) {
        var draft = draft
        draft.correlationID = correlationID
        if draft.source.isEmpty { draft.source = source }
        state.withLock {
            if $0.pending.isEmpty { $0.since = ContinuousClock.now }
            $0.pending.append(draft)
        }
    }

    /// Commits what is queued once the oldest of it has waited `age`, or when 256 drafts are queued; else
    /// leaves it for the next commit. For records that need not be durable before the next step (a poll, which
    /// starts nothing on the server), so that polls sent back to back share a commit and none waits long.
    public func flush(ifOlderThan age: Duration) throws {
        let due = state.withLock { state in
            state.pending.count >= 256 || state.since.map { ContinuousClock.now - $0 >= age } ?? false
        }
        if due { try flush() }
    }

    /// Commits everything queued, as one batch. Flushes are serialised: when tasks share a recorder (a
    /// sweep's trials), a flush returns only once what was queued before it is committed, even if another
    /// task's flush took it, so "committed before it is sent" holds for each of them.
    @discardableResult
    public func flush() throws -> Int {
        try committing.withLock { _ in
            let batch = state.withLock { state -> [EventDraft] in
                defer {
                    state.pending.removeAll(keepingCapacity: true)
                    state.since = nil
                }
                return state.pending
            }
            guard !batch.isEmpty else { return 0 }
            let outcomes = try log.append(batch)
            state.withLock { $0.counts.events += batch.count }
            // Under the derivations' lock, so that `add(_:afterCommitOf:)` finds a derivation either still
            // waiting or already queued.
            derivations.withLock { waiting in
                guard !waiting.isEmpty else { return }
                for index in batch.indices {
                    guard let derive = waiting.removeValue(forKey: batch[index].id) else { continue }
                    for derived in derive(batch[index], outcomes[index].position) { add(derived) }
                }
            }
            return batch.count
        }
    }

    /// Queues `draft`, and once it is committed, what `derive` makes of it (the draft as recorded and its
    /// position), for the next commit: events whose causation is `draft` (a result's metrics) need not wait
    /// for a commit of their own. A crash in between loses only those, which their cause lets be made again.
    public func add(
        _ draft: EventDraft, thenOnceCommitted derive: @escaping @Sendable (EventDraft, UInt64) -> [EventDraft]
    ) {
        derivations.withLock { $0[draft.id] = derive }
        add(draft)
    }

    /// Queues `draft` behind what the commit of draft `cause` derives (`add(_:thenOnceCommitted:)`), so that
    /// it is never committed before those: a sweep's verdict behind its trial's metrics. When that commit has
    /// happened already, `draft` is simply queued.
    public func add(_ draft: EventDraft, afterCommitOf cause: EventID) {
        derivations.withLock { waiting in
            guard let derive = waiting[cause] else { return add(draft) }
            waiting[cause] = { recorded, position in derive(recorded, position) + [draft] }
        }
    }

    /// Commits what is queued and then what those commits derived, until nothing is left.
    public func flushAll() throws {
        repeat { try flush() } while pendingCount > 0
    }

    var pendingCount: Int { state.withLock { $0.pending.count } }
}

/// Stream names used by the recorder.
public enum RecorderStreams {
    public static func lab(_ id: String) -> String { "lab:\(id)" }
    public static func backtest(_ id: String) -> String { "backtest:\(id)" }
    public static func market(_ tag: String) -> String { "market:\(tag)" }
    public static func run(_ id: EventID) -> String { "run:\(id)" }
    public static func sweep(_ id: String) -> String { "sweep:\(id)" }

    /// The stream of an exchange or failure: its backtest, else its lab, else the server.
    static func subject(lab: String?, backtest: String?, server: String) -> String {
        if let backtest { return self.backtest(backtest) }
        if let lab { return self.lab(lab) }
        return "server:\(server)"
    }
}
