/// One HTTP attempt as the recorder sees it: what was asked (without secrets), what came back, how long it
/// took. Every attempt is reported, retries and failures included.
public struct HaasExchange: Sendable {
    public let channel: String
    public let endpoint: HaasEndpoint
    /// Request parameters with credentials removed (`email`, `password`, `interfacekey`, `userid`, `pincode`).
    public let parameters: [String: String]
    public let method: String
    /// 1 for the first attempt of a call.
    public let attempt: Int
    public let httpStatus: Int?
    public let latencyMicros: Int64
    /// The body as received, except that credentials found in it are replaced by `<redacted>`; empty for
    /// login calls, whose bodies are not kept.
    public let body: [UInt8]
    /// How many credential strings were replaced in `body`.
    public let redactions: Int
    public let envelopeSuccess: Bool?
    public let envelopeError: String?
    /// Why the attempt failed, when it did.
    public let failure: HaasAPIError?
    /// The subject the call was about: a lab or backtest id, when there is one.
    public let labID: String?
    public let backtestID: String?
}

/// Receives every exchange. Called from the client's tasks; implementations must be thread-safe.
public protocol HaasExchangeObserver: Sendable {
    func record(_ exchange: HaasExchange)
}
