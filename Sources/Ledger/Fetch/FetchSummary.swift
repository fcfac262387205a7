import BacktestMetrics
import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents
import Platform

/// What a fetch run did. Failures are recorded as `fetch.failed` events, not hidden.
public struct FetchSummary: Sendable, Equatable {
    public var runID: EventID
    public var labs = 0
    public var backtests = 0
    public var runtimesFetched = 0
    public var runtimesSkipped = 0
    public var logsFetched = 0
    public var chartsFetched = 0
    public var countMismatches = 0
    /// `metrics.computed` events appended with the default formula for this run's runtimes.
    public var metricsComputed = 0
    public var failures = 0
    /// What the first few failures said (`CHANNEL: reason`), for the person who ran the fetch; every failure is
    /// also a `fetch.failed` event.
    public var failureMessages: [String] = []
    public var exchanges = 0
    public var bodyBytes = 0
    public var events = 0
    public var seconds = 0.0

    public var json: JSONValue {
        .object([
            ("run_id", .string(runID.description)), ("labs", .number(labs)), ("backtests", .number(backtests)),
            ("runtimes_fetched", .number(runtimesFetched)), ("runtimes_skipped", .number(runtimesSkipped)),
            ("logs_fetched", .number(logsFetched)), ("charts_fetched", .number(chartsFetched)),
            ("count_mismatches", .number(countMismatches)), ("metrics_computed", .number(metricsComputed)),
            ("failures", .number(failures)),
            ("exchanges", .number(exchanges)), ("body_bytes", .number(bodyBytes)), ("events", .number(events)),
            ("seconds", .optional((seconds * 1000).rounded() / 1000)),
        ])
    }
}

extension FetchSummary {
    static let failureMessagesKept = 5

    mutating func noteFailure(_ message: String) {
        if failureMessages.count < FetchSummary.failureMessagesKept { failureMessages.append(message) }
    }
}
