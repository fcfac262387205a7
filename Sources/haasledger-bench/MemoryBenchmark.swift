// `memory`: the peak resident memory of every read and maintenance command on a ledger of a given size.
import Foundation
import Ledger

/// A synthetic ledger of `backtests` × `revisions` (two events each, `writeSyntheticLedger`), then each command
/// a user runs on a large ledger, as a child process: its wall time and its own peak resident memory
/// (`VmHWM`), against the goal of ≤ 256 MB whatever the ledger's size.
func memoryBenchmark(work: String, haasledger: String, backtests: Int, revisions: Int) throws {
    let location = LedgerLocation(root: work + "/memory-ledger")
    let started = monotonicSeconds()
    _ = try writeSyntheticLedger(location, backtests: backtests, revisions: revisions)
    let events = backtests * revisions * 2
    let logBytes = Double(
        (try? FileManager.default.attributesOfItem(atPath: location.root + "/log/data.mdb")[.size] as? Int) ?? 0)
    print(
        String(
            format:
                "memory: a synthetic ledger of %@ events (%@ backtests × %d revisions, %.0f MB log), written in %.0f s",
            grouped(Double(events)), grouped(Double(backtests)), revisions, logBytes / 1e6, monotonicSeconds() - started
        ))
    let ledger = ["--ledger", location.root]
    let middle = "#\(events / 2)"
    let commands: [(label: String, arguments: [String])] = [
        ("project rebuild", ["project", "rebuild"] + ledger),
        ("log verify", ["log", "verify"] + ledger),
        ("log stats", ["log", "stats"] + ledger),
        ("log export FILE", ["log", "export"] + ledger + [work + "/memory-export.ndjson"]),
        ("query backtests --sort --limit 20", ["query", "backtests", "--sort", "metric_00", "--limit", "20"] + ledger),
        (
            "the same --at-position (middle)",
            ["query", "backtests", "--sort", "metric_00", "--limit", "20", "--at-position", String(events / 2)] + ledger
        ),
        (
            "query backtests --where --sort --limit 20",
            ["query", "backtests", "--where", "metric_01>0.5", "--sort", "metric_02", "--limit", "20"] + ledger
        ),
        ("query backtests --format csv (every row)", ["query", "backtests", "--format", "csv"] + ledger),
        ("query labs", ["query", "labs"] + ledger),
        ("history BACKTEST", ["history", "bt-7"] + ledger),
        ("diff --from (middle) --format csv", ["diff", "--from", middle, "--format", "csv"] + ledger),
        ("export csv --output FILE", ["export", "csv", "--output", work + "/memory.csv"] + ledger),
        ("export xlsx -o FILE", ["export", "xlsx", "-o", work + "/memory.xlsx"] + ledger),
        ("report -o FILE", ["report", "-o", work + "/memory.html"] + ledger),
    ]
    print(row("command", "seconds", "peak resident memory (goal ≤ 256 MB)"))
    var worst = 0.0
    for (label, arguments) in commands {
        let (seconds, peak) = try timedChild(haasledger, arguments, quiet: true)
        worst = max(worst, peak)
        print(
            row(
                label, String(format: "%.2f", seconds), String(format: "%.0f MB%@", peak, peak <= 256 ? "" : "  (over)")
            ))
    }
    print(row("largest peak", "", String(format: "%.0f MB: goal %@", worst, worst <= 256 ? "met" : "NOT met")))
    try FileManager.default.removeItem(atPath: location.root)
}
