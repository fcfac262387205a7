// `metrics`: runtime parsing and canonical@1.
import BacktestMetrics
import EventLog
import Foundation
import HaasAPI
import HaasSimulator
import JSON
import Ledger
import Projections

#if canImport(Glibc)
    import Glibc
#endif

/// `metrics`: parse and compute canonical@1 for `count` runtimes of 100 positions each.
func metricsBenchmark(count: Int) throws {
    let labs = max(1, count / 1_000)
    let world = SimulatedWorld(
        configuration: SimulatorConfiguration(
            seed: 77, labs: labs, backtestsPerLab: count / labs, positionsPerBacktest: 100...100))
    let bodies = world.labs.flatMap { lab in lab.backtests.map { world.runtimeBody(lab: lab, backtest: $0) } }
    let bytes = bodies.reduce(0) { $0 + $1.count }
    let parseStart = monotonicSeconds()
    let runtimes = try bodies.map { try RuntimeDecoder.runtime($0) }
    let parseSeconds = monotonicSeconds() - parseStart
    // The same bodies through Foundation's JSONDecoder into the same Decodable type, for comparison.
    struct Envelope: Decodable { let Data: BacktestRuntime }
    let decoder = JSONDecoder()
    let decoderStart = monotonicSeconds()
    var decoded = 0
    for body in bodies { decoded += try decoder.decode(Envelope.self, from: Data(body)).Data.finishedPositions.count }
    let decoderSeconds = monotonicSeconds() - decoderStart
    precondition(decoded == runtimes.reduce(0) { $0 + $1.finishedPositions.count })
    let computeStart = monotonicSeconds()
    var checksum = 0.0
    for runtime in runtimes {
        let adapted = RuntimeAdapter.adapt(runtime)
        let values = FormulaSet.canonicalV1.compute(adapted.inputs, settings: adapted.settings)
        checksum += values["total_return"]?.double ?? 0
    }
    let computeSeconds = monotonicSeconds() - computeStart
    precondition(checksum.isFinite)
    let computeRate = Double(runtimes.count) / computeSeconds
    let parseRate = Double(runtimes.count) / parseSeconds
    print(
        "metrics: \(grouped(Double(runtimes.count))) runtimes with 100 positions each (\(String(format: "%.1f", Double(bytes) / 1e6)) MB of bodies)"
    )
    print(row("", "per second", ""))
    print(
        row(
            "compute canonical@1 (adapter + 32 metrics)", grouped(computeRate),
            String(format: "(goal ≥ 20,000/s: %@)", computeRate >= 20_000 ? "met" : "NOT met")))
    print(
        row(
            "parse runtime JSON (RuntimeDecoder on JSONScanner)", grouped(parseRate),
            String(format: "%.1f MB/s", Double(bytes) / parseSeconds / 1e6)))
    print(
        row(
            "parse with Foundation's JSONDecoder (same type)", grouped(Double(runtimes.count) / decoderSeconds),
            String(
                format: "%.1f MB/s; RuntimeDecoder = %.2f×", Double(bytes) / decoderSeconds / 1e6,
                decoderSeconds / parseSeconds)))
    print(row("parse + compute", grouped(Double(runtimes.count) / (parseSeconds + computeSeconds)), ""))
}
