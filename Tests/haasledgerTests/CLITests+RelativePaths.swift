import EventLogTesting
import Foundation
import Testing

extension CLITests {
    /// A ledger named relative to the working directory, as a user types it, new or existing, from a file, a
    /// pipe or standard input.
    @Test func appendToARelativeLedgerFromAFileAPipeAndStandardInput() throws {
        let line = #"{"stream":"a","type":"t","payload":{"x":1}}"# + "\n"
        try line.write(toFile: directory.appending("in.ndjson"), atomically: true, encoding: .utf8)
        let fromStdin = try ChildProcess.run(
            "haasledger", ["log", "append", "--ledger", "rel", "-"], stdin: line, environment: CLITests.clock,
            workingDirectory: directory.path)
        #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
        let fromFile = try ChildProcess.run(
            "haasledger", ["log", "append", "--ledger", "rel", "in.ndjson"], environment: CLITests.clock,
            workingDirectory: directory.path)
        #expect(fromFile.stdout == "appended 1 event (positions 2–2)\n", "\(fromFile.stderr)")
        let refused = try ChildProcess.run(
            "haasledger", ["log", "append", "--ledger", "fresh", "-"], stdin: #"{"stream":"a"}"# + "\n",
            environment: CLITests.clock, workingDirectory: directory.path)
        #expect(refused.status == 2)
        #expect(!FileManager.default.fileExists(atPath: directory.appending("fresh")))
        let scratch = try FileManager.default.contentsOfDirectory(atPath: directory.appending("rel"))
        #expect(scratch.sorted() == ["log", "writer.lock"], "no spool left behind; the writer lock stays")
    }
}
