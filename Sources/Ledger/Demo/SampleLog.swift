import EventLog

/// A small, deterministic sample of ledger traffic for the demo until the simulator exists: one run
/// framing lab and backtest observations, each backtest carrying a raw body kept as a blob.
///
/// Event ids derive from the seed, so running the demo twice appends nothing the second time: the log's
/// idempotent ids at work.
public enum SampleLog {
    public static func drafts(seed: UInt64 = 1, labs: Int = 3, backtestsPerLab: Int = 4) -> [EventDraft] {
        var generator = SplitMix64(seed: seed)
        var counter: UInt64 = 0
        func nextID() -> EventID {
            counter += 1
            let digest = SHA256Hash.of(Array("haasledger-demo:\(seed):\(counter)".utf8)).bytes
            let high = digest[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } & 0xFFFF_FFFF_FFFF_0FFF | 0x8000
            let low =
                digest[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } & 0x3FFF_FFFF_FFFF_FFFF
                | 0x8000_0000_0000_0000
            return EventID(high: high, low: low)
        }
        let run = nextID()
        let source = "sample://seed/\(seed)"
        var drafts: [EventDraft] = [
            EventDraft(
                id: nextID(), stream: "run:\(run)", type: "run.started",
                payload: Payload(.object([("labs", .number(Int64(labs))), ("seed", .number(seed))])),
                expectedVersion: 0, correlationID: run, source: source)
        ]
        for labIndex in 1...labs {
            let labID = "lab-\(seed)-\(labIndex)"
            drafts.append(
                EventDraft(
                    id: nextID(), stream: "lab:\(labID)", type: "sample.lab.observed",
                    payload: Payload(
                        .object([("lab_id", .string(labID)), ("backtests", .number(Int64(backtestsPerLab)))])),
                    correlationID: run, source: source))
            for index in 1...backtestsPerLab {
                let backtestID = "bt-\(seed)-\(labIndex)-\(index)"
                let margin = 1000 + Double(generator.next() % 9000)
                let profit = (Double(generator.next() % 4000) - 1500) / 10
                let roi = (profit / margin * 100 * 10_000).rounded() / 10_000
                let raw = Blob(
                    #"{"Success":true,"Error":"","Data":{"BID":"\#(backtestID)","RP":\#(profit),"RM":\#(margin)}}"#)
                drafts.append(
                    EventDraft(
                        id: nextID(), stream: "backtest:\(backtestID)", type: "sample.backtest.observed",
                        payload: Payload(
                            .object([
                                ("backtest_id", .string(backtestID)), ("lab_id", .string(labID)),
                                ("generation", .number(Int64(index))), ("population", .number(Int64(labIndex))),
                                ("realized_profit", .number(JSONNumber(profit) ?? JSONNumber(Int64(0)))),
                                ("roi_margin", .number(JSONNumber(margin) ?? JSONNumber(Int64(0)))),
                                ("roi_percent", .number(JSONNumber(roi) ?? JSONNumber(Int64(0)))),
                                ("body_sha256", .string(raw.hash.hex)),
                            ])),
                        correlationID: run, source: source, blobs: [raw]))
            }
        }
        drafts.append(
            EventDraft(
                id: nextID(), stream: "run:\(run)", type: "run.finished",
                payload: Payload(.object([("events", .number(Int64(drafts.count + 1)))])),
                correlationID: run, source: source))
        return drafts
    }
}

/// A tiny deterministic generator (Vigna's SplitMix64), so samples do not depend on the platform's RNG.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
