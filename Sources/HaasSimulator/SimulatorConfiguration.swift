import Foundation

/// What the simulated server holds and how it misbehaves. The same configuration always serves the same bytes.
public struct SimulatorConfiguration: Sendable {
    public var seed: UInt64
    public var labs: Int
    public var backtestsPerLab: Int
    /// Each revision after the first re-runs a deterministic ~20 % of the backtests with different results.
    public var revision: Int
    public var faults: FaultPlan
    /// The only credentials the login accepts.
    public var email: String
    public var password: String
    /// The last `runningLabs` labs start executing and complete over `pollsToComplete` status polls.
    public var runningLabs: Int
    public var pollsToComplete: Int
    public var positionsPerBacktest: ClosedRange<Int>

    public init(
        seed: UInt64 = 1, labs: Int = 3, backtestsPerLab: Int = 40, revision: Int = 1, faults: FaultPlan = FaultPlan(),
        email: String = "demo@haasledger.invalid", password: String = "demo-password", runningLabs: Int = 0,
        pollsToComplete: Int = 5, positionsPerBacktest: ClosedRange<Int> = 3...40
    ) {
        self.seed = seed
        self.labs = max(0, labs)
        self.backtestsPerLab = max(0, backtestsPerLab)
        self.revision = max(1, revision)
        self.faults = faults
        self.email = email
        self.password = password
        self.runningLabs = max(0, runningLabs)
        self.pollsToComplete = max(1, pollsToComplete)
        self.positionsPerBacktest = positionsPerBacktest
    }
}

/// Faults injected into data calls. Spec: comma-separated `kind:value`, e.g.
/// `504:0.1,html:0.05,truncate:0.05,lost:0.1,expire:50,429:0.05,latency:25`. Shares are probabilities per call;
/// `expire:K` ends every session after K authenticated calls; `latency:MS` delays every data call.
public struct FaultPlan: Sendable, Equatable {
    public var gatewayTimeout = 0.0
    public var tooManyRequests = 0.0
    public var serverError = 0.0
    public var html = 0.0
    public var truncate = 0.0
    /// The server does what was asked, then the reply is lost (a 504 in its place).
    public var lostReply = 0.0
    public var expireAfterCalls: Int?
    public var latencyMilliseconds = 0

    public init() {}

    public struct SpecError: Error, CustomStringConvertible, Equatable {
        public let item: String
        public let reason: String
        public var description: String { "--faults: '\(item)': \(reason)" }

        public init(item: String, reason: String) {
            self.item = item
            self.reason = reason
        }
    }

    public init(spec: String) throws(SpecError) {
        self.init()
        for item in spec.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw SpecError(item: item, reason: "expected kind:value") }
            let kind = parts[0].lowercased()
            let value = parts[1]
            func share() throws(SpecError) -> Double {
                guard let share = Double(value), share >= 0, share <= 1 else {
                    throw SpecError(item: item, reason: "the share must be a number from 0 to 1")
                }
                return share
            }
            func count() throws(SpecError) -> Int {
                guard let count = Int(value.hasSuffix("ms") ? String(value.dropLast(2)) : value), count >= 0 else {
                    throw SpecError(item: item, reason: "expected a whole number")
                }
                return count
            }
            switch kind {
            case "504": gatewayTimeout = try share()
            case "429": tooManyRequests = try share()
            case "500", "503": serverError = try share()
            case "html": html = try share()
            case "truncate": truncate = try share()
            case "lost": lostReply = try share()
            case "expire":
                let calls = try count()
                guard calls > 0 else { throw SpecError(item: item, reason: "sessions must last at least one call") }
                expireAfterCalls = calls
            case "latency": latencyMilliseconds = try count()
            default:
                throw SpecError(
                    item: item,
                    reason: "unknown fault kind (known: 504, 429, 500, html, truncate, lost, expire, latency)")
            }
        }
        if gatewayTimeout + tooManyRequests + serverError + html + truncate + lostReply > 1 {
            throw SpecError(item: spec, reason: "the shares add up to more than 1")
        }
    }
}
