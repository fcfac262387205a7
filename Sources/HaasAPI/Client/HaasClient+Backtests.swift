import Foundation
import JSON

/// What `EXECUTE_BACKTEST` came to: accepted by its own reply, or found on the server after a reply that
/// was lost or garbled.
public struct BacktestStart: Sendable {
    /// The reply's `Data` ("usually `LocalService-ENT`", the service id `CANCEL_BACKTEST` takes); nil when the
    /// start was established by asking afterwards.
    public let serviceID: String?
    /// Each failed attempt and what asking the server about it showed, in order.
    public let reconciliations: [Reconciliation]
    /// `EXECUTE_BACKTEST` requests sent.
    public let requests: Int

    public struct Reconciliation: Sendable {
        /// Why the attempt's outcome was unknown.
        public let failure: String
        /// Whether `GET_BACKTEST_INFO` found the backtest (then nothing is sent again).
        public let found: Bool
        /// What it said: the server's refusal, or the record's status.
        public let answer: String
    }
}

extension HaasClient {
    /// Starts a backtest under a client-chosen id. Never blindly retried: after a failure that leaves open
    /// whether the server acted (a timeout, a 5xx, a garbled reply), `GET_BACKTEST_INFO` is asked about the
    /// id, and the call is sent again only when the server does not know it. A refused connection reached
    /// no server, so it is retried as any call is.
    public func executeBacktest(
        backtestID: String, scriptID: String, settings: String, start: Int64, end: Int64
    ) async throws -> BacktestStart {
        let parameters = [
            "backtestid": backtestID, "scriptid": scriptID, "settings": settings, "startunix": String(start),
            "endunix": String(end),
        ]
        let outcome = try await startOnce(
            channel: "EXECUTE_BACKTEST",
            send: { () async throws -> String? in
                let reply: HaasReply<String> = try await call(
                    .backtest, "EXECUTE_BACKTEST", parameters, subject: (nil, backtestID), retrying: false)
                return reply.value
            },
            ask: { _ in
                do {
                    let info = try await backtestInfo(backtestID: backtestID)
                    return .happened(nil, answer: "status \(info.value.status.map(String.init) ?? "unknown")")
                } catch HaasAPIError.serverRefused(_, let message) {
                    return .didNotHappen(answer: "the server does not know backtest \(backtestID): \(message)")
                }
            },
            happened: { _ in "the server has backtest \(backtestID)" })
        return BacktestStart(
            serviceID: outcome.value, reconciliations: outcome.reconciliations, requests: outcome.requests)
    }

    /// A direct backtest's status, progress and, once completed, runtime (`GET_BACKTEST_INFO`).
    /// The record and the runtime's bytes are read from the body as kept (credentials redacted), not as
    /// received: both are recorded.
    public func backtestInfo(backtestID: String) async throws -> HaasReply<BacktestInfo> {
        try redacted(
            try await call(.backtest, "GET_BACKTEST_INFO", ["backtestid": backtestID], subject: (nil, backtestID)),
            channel: "GET_BACKTEST_INFO")
    }

    /// A quick test (`EXECUTE_QUICKTEST`): a brief backtest answered at once, read like `GET_BACKTEST_INFO`
    /// (its `Logs` in the record, its `Runtime` as bytes). Nothing is stored on the server, so it is retried
    /// as any call is.
    public func quickTest(backtestID: String, scriptID: String, settings: String) async throws
        -> HaasReply<BacktestInfo>
    {
        try redacted(
            try await call(
                .backtest, "EXECUTE_QUICKTEST", ["backtestid": backtestID, "scriptid": scriptID, "settings": settings],
                subject: (nil, nil)),
            channel: "EXECUTE_QUICKTEST")
    }

    private func redacted(_ reply: HaasReply<BacktestInfo>, channel: String) throws -> HaasReply<BacktestInfo> {
        // Nothing replaced: the value was read from the kept bytes already.
        guard reply.redactions > 0 else { return reply }
        guard let kept = try? BacktestInfo.fromEnvelope(reply.body).1 else {
            throw HaasAPIError.protocolViolation(
                channel: channel, httpStatus: 200, reason: "the body does not decode once credentials are redacted")
        }
        return HaasReply(value: kept, body: reply.body)
    }

    /// Stops a running direct backtest; false when it was no longer running.
    public func cancelBacktest(backtestID: String, serviceID: String) async throws -> HaasReply<Bool> {
        try await call(
            .backtest, "CANCEL_BACKTEST", ["backtestid": backtestID, "serviceid": serviceID],
            subject: (nil, backtestID))
    }

    /// Keeps a result from the server's auto-deletion, or (`archived: false`) lets it go again.
    public func archiveBacktest(backtestID: String, archived: Bool) async throws -> HaasReply<Bool> {
        try await call(
            .backtest, "ARCHIVE_BACKTEST", ["backtestid": backtestID, "archiveresult": archived ? "true" : "false"],
            subject: (nil, backtestID))
    }

    public func tagBacktest(backtestID: String, tag: String) async throws -> HaasReply<Bool> {
        try await call(
            .backtest, "EDIT_BACKTEST_TAG", ["backtestid": backtestID, "backtesttag": tag], subject: (nil, backtestID))
    }

    public func deleteBacktest(backtestID: String) async throws -> HaasReply<Bool> {
        try await call(.backtest, "DELETE_BACKTEST", ["backtestid": backtestID], subject: (nil, backtestID))
    }

    /// The accounts the server offers for backtests.
    public func backtestAccounts() async throws -> HaasReply<[BacktestAccount]> {
        try await call(.backtest, "GET_BACKTEST_ACCOUNTS", [:], subject: (nil, nil))
    }

    public func backtestHistoryPage(nextPageID: Int, pageLength: Int) async throws -> HaasReply<BacktestHistoryPage> {
        try await call(
            .backtest, "GET_BACKTEST_HISTORY", ["nextpageid": String(nextPageID), "pagelength": String(pageLength)],
            subject: (nil, nil))
    }
}
