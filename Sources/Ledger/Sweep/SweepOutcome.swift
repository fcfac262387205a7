import JSON

/// Where a sweep stands, for a progress line and the final summary.
public struct SweepOutcome: Sendable {
    public let sweepID: String
    public let told: Int
    public let budget: Int
    public let inFlight: Int
    /// Why it ended; nil while it is not over.
    public let finished: String?
    /// The best complete trial: its number, objective (as stored) and parameters (canonical JSON).
    public let best: (trial: Int, objective: String, parameters: String)?
    public let objective: String
    /// The best objective as recorded (exact), for JSON.
    let bestExact: JSONValue

    init(_ record: SweepRecord) {
        let bestTrial = record.best
        bestExact = bestTrial?.objective ?? .null
        sweepID = record.sweepID
        told = record.toldCount
        budget = record.budget
        inFlight = record.inFlight.count
        finished = record.finished?.reason
        let metric = record.definition?.objective.metric ?? ""
        best = bestTrial.map {
            ($0.number, SweepPresentation.readable(metric, $0.objective), CanonicalJSON.string($0.parameters))
        }
        objective = record.definition.map { "\($0.objective.maximize ? "max" : "min") \($0.objective.metric)" } ?? "?"
    }
}
