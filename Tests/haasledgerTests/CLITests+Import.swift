import EventLog
import EventLogTesting
import Foundation
import HaasSimulator
import JSON
import Testing

extension CLITests {
    /// `import` end to end: a dry run lists files and records nothing, a malformed file is reported as
    /// `path: reason` and makes the exit status 1 while the other files import, and a re-import skips them.
    @Test func importReportsFailuresPerFileAndSkipsOnReimport() throws {
        let cache = directory.appending("cache")
        let written = try run(["simulate", "--labs", "2", "--backtests", "2", "--write-cache", cache])
        #expect(written.status == 0, "\(written.stderr)")
        let files = written.stderr.split(separator: " ").dropFirst().first.map(String.init) ?? "?"
        let broken = cache + "/unified_cache/backtests/lab_backtest.json"
        try Data("{\"Reports\": ".utf8).write(to: URL(fileURLWithPath: broken))

        let dry = try run(["import", "--ledger", ledger, "--dry-run", cache])
        #expect(dry.status == 1)
        #expect(dry.stderr.hasPrefix("\(broken): not valid JSON: unexpected end of input"), "\(dry.stderr)")
        #expect(dry.stdout.contains("would import\tunified_cache.runtime\t"))
        #expect(CLITests.tableValue(dry.stdout, "files would import") == files, "\(dry.stdout)")
        #expect(!FileManager.default.fileExists(atPath: ledger), "a dry run creates nothing")

        let real = try run(["import", "--ledger", ledger, "--server-label", "desk", "--format", "json", cache])
        #expect(real.status == 1)
        #expect(real.stderr.contains("error: 1 file(s) could not be imported; see import.failed events"))
        let summary = try JSONParser.parse(real.stdout.trimmingCharacters(in: .newlines))
        #expect(summary["imported"] == .number(Int(files) ?? -1))
        #expect(summary["failed"] == .number(1))
        #expect(summary["metrics_computed"] == summary["runtimes"])

        let failures = try run(["log", "show", "--ledger", ledger, "--type", "import.failed", "--format", "ndjson"])
        #expect(failures.stdout.contains(#""source":"\#(broken)""#))

        try FileManager.default.removeItem(atPath: broken)
        let again = try run(["import", "--ledger", ledger, cache])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(CLITests.tableValue(again.stdout, "files skipped (already imported)") == files, "\(again.stdout)")
        let missing = try run(["import", "--ledger", ledger, directory.appending("nowhere")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nowhere: No such file or directory"))
        let notes = directory.appending("notes.txt")
        try Data("not a cache".utf8).write(to: URL(fileURLWithPath: notes))
        let before = try run(["log", "stats", "--ledger", ledger, "--format", "json"]).stdout
        let named = try run(["import", "--ledger", ledger, cache, notes])
        #expect(named.status == 2)
        #expect(named.stderr.contains("\(notes): not a pyHaasAPI cache file"), "\(named.stderr)")
        #expect(try run(["log", "stats", "--ledger", ledger, "--format", "json"]).stdout == before, "nothing recorded")
    }

    /// The value column of a two-column summary table row.
    static func tableValue(_ output: String, _ label: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix(label + "  ") }?.split(separator: " ").last.map(String.init)
    }
}
