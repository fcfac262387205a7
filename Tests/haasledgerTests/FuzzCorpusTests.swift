import EventLogTesting
import Foundation
import Testing

/// The fuzz targets' seed corpus, and every input `tools/fuzz` ever found crashing or hanging, run once each
/// through the plain `haasledger-fuzz` build: a fixed find stays fixed.
@Suite struct FuzzCorpusTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz").path
    static let targets = (try? FileManager.default.contentsOfDirectory(atPath: fuzz + "/corpus").sorted()) ?? []

    @Test func everyTargetHasASeedCorpus() {
        #expect(
            Self.targets == [
                "cache-index", "csv", "cutoffs", "cutoffs-backup", "json", "lab-analytics", "lab-detail", "lab-list",
                "ndjson", "pickle", "pydantic", "report-csv", "report-json", "runtime", "stored-record", "unified",
            ])
    }

    @Test(arguments: targets) func everySeedAndEveryRegressionRunsClean(_ target: String) throws {
        let folders = ["corpus", "regressions"].map { Self.fuzz + "/" + $0 + "/" + target }
            .filter { FileManager.default.fileExists(atPath: $0) }
        let inputs = folders.reduce(0) { $0 + ((try? FileManager.default.contentsOfDirectory(atPath: $1))?.count ?? 0) }
        #expect(inputs > 0)
        let scratch = try TemporaryDirectory()
        let ran = try ChildProcess.run(
            "haasledger-fuzz", folders,
            environment: ["HAASLEDGER_FUZZ_TARGET": target, "SWIFT_BACKTRACE": "enable=no", "TMPDIR": scratch.path])
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(ran.stdout == "\(target): ran \(inputs) inputs\n", "\(ran.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == [], "it leaves nothing behind")
    }
}
