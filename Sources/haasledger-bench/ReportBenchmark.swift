// `report`: the HTML report and the workbook of a large ledger, written by the binary as a user runs it.
import Foundation
import HaasSimulator
import Ledger

/// `report`: a ledger of `count` backtests (imported from a generated unified cache, with their runtimes), then
/// `haasledger report -o FILE` and `haasledger export xlsx` run as child processes (time and peak resident
/// memory), against `haasledger export csv` of the same ledger in the same run: reading the same rows and
/// writing them out.
func reportBenchmark(work: String, binary: String, count: Int) throws {
    let labs = max(1, count / 1_000)
    let world = SimulatedWorld(
        configuration: SimulatorConfiguration(seed: 707, labs: labs, backtestsPerLab: count / labs))
    let cache = work + "/report-cache"
    let files = try PyHaasCacheWriter(world: world).write(to: cache, layouts: .unifiedRuntimes)
    let location = LedgerLocation(root: work + "/report-ledger")
    let summary = try ImportService(location: location).run(ImportRequest(paths: [cache], workingDirectory: work))
    guard summary.imported == files.count, summary.failed == 0 else {
        fail("imported \(summary.imported) of \(files.count) files, \(summary.failed) failed")
    }
    try FileManager.default.removeItem(atPath: cache)
    // Both commands then read read models that are up to date: neither pays for catching up.
    _ = try timedChild(binary, ["export", "csv", "--ledger", location.root, "--output", work + "/warm.csv"])
    let report = work + "/report.html"
    let csv = work + "/report.csv"
    let book = work + "/report.xlsx"
    var runs: (report: [Double], csv: [Double], xlsx: [Double]) = ([], [], [])
    var peaks: (report: Double, csv: Double, xlsx: Double) = (0, 0, 0)
    for _ in 0..<3 {
        let html = try timedChild(binary, ["report", "--ledger", location.root, "-o", report])
        let table = try timedChild(binary, ["export", "csv", "--ledger", location.root, "--output", csv])
        let sheets = try timedChild(binary, ["export", "xlsx", "--ledger", location.root, "-o", book])
        runs.report.append(html.seconds)
        runs.csv.append(table.seconds)
        runs.xlsx.append(sheets.seconds)
        peaks = (max(peaks.report, html.peakMB), max(peaks.csv, table.peakMB), max(peaks.xlsx, sheets.peakMB))
    }
    func size(_ path: String) -> Double {
        Double((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) / 1e6
    }
    let (seconds, csvSeconds, xlsxSeconds) = (median(runs.report), median(runs.csv), median(runs.xlsx))
    print("report: \(grouped(Double(files.count))) backtests in \(labs) labs, with runtimes; median of 3 runs")
    print(row("", "seconds", "peak memory"))
    print(
        row(
            "haasledger report -o FILE (whole process)", String(format: "%.2f", seconds),
            String(format: "%.0f MB; goal ≤ 3 s: %@", peaks.report, seconds <= 3 ? "met" : "NOT met")))
    print(
        row(
            "haasledger export xlsx -o FILE", String(format: "%.2f", xlsxSeconds),
            String(format: "%.0f MB; goal ≤ 256 MB: %@", peaks.xlsx, peaks.xlsx <= 256 ? "met" : "NOT met")))
    print(
        row(
            "baseline: haasledger export csv of the same ledger", String(format: "%.2f", csvSeconds),
            String(
                format: "%.0f MB; report = %.2f×, xlsx = %.2f× its time", peaks.csv, seconds / csvSeconds,
                xlsxSeconds / csvSeconds)))
    print(row("", "size", ""))
    print(
        row(
            "the HTML file", String(format: "%.1f MB", size(report)),
            String(format: "(goal < 10 MB: %@)", size(report) < 10 ? "met" : "NOT met")))
    print(row("the xlsx file", String(format: "%.1f MB", size(book)), String(format: "CSV: %.1f MB", size(csv))))
    try FileManager.default.removeItem(atPath: location.root)
}
