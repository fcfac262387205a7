import BacktestMetrics
import EventLog

/// What this build is, for `haasledger --version`: the release, the log format it writes and the formula sets
/// it can compute, so an audit can say which build produced a number.
public enum BuildInfo {
    public static let release = "0.2.0"

    public static var version: String {
        let formulas = FormulaRegistry.builtIn.sets.map(\.name).joined(separator: ", ")
        return "haasledger \(release) (log format \(EventLog.formatVersion); formulas \(formulas))"
    }

    /// Every metric a built-in formula set computes, sorted: what shell completion offers for `--sort`.
    public static var metricNames: [String] {
        Array(Set(FormulaRegistry.builtIn.sets.flatMap(\.metricNames))).sorted()
    }
}
