import EventLog
import EventLogTesting
import Foundation

#if canImport(Glibc)
    import Glibc
#endif
import HaasSimulator
import JSON
import Testing

extension CLITests {
    @Test func appendShowVerifyStats() throws {
        try seeded()
        let table = try run(["log", "show", "--ledger", ledger])
        #expect(
            table.stdout == """
                POSITION  RECORDED_AT                  STREAM       VERSION  TYPE                           PAYLOAD
                       1  2026-11-21T14:00:00.000000Z  lab:L1             1  haas.lab.observed              {"backtests":2,"name":"ADX lab"}
                       2  2026-11-21T14:00:00.000000Z  backtest:B1        1  haas.backtest.result.observed  {"roi":50.5465}
                       3  2026-11-21T14:00:00.000000Z  backtest:B1        2  metrics.computed               {"formula":"canonical@1","sharpe":"undefined"}

                """)
        let ndjson = try run(["log", "show", "--ledger", ledger, "--format", "ndjson", "--type", "metrics.computed"])
        #expect(
            ndjson.stdout == """
                {"blobs":[],"causation":null,"correlation_id":null,"hash":"\(CLITests.headHash)","id":"0190f3a0-0000-7000-8000-000000000003","observed_at":null,"payload":{"formula":"canonical@1","sharpe":"undefined"},"position":3,"previous_in_stream":2,"recorded_at":1795269600000000,"schema_version":1,"source":"stdin","stream":"backtest:B1","stream_version":2,"type":"metrics.computed"}

                """)
        let stream = try run([
            "log", "show", "--ledger", ledger, "--format", "ndjson", "--stream", "backtest:B1", "--limit", "1",
        ])
        #expect(stream.stdout.contains(#""causation":1,"#))
        #expect(stream.stdout.contains(#""observed_at":1795168800000000,"#))
        let verify = try run(["log", "verify", "--ledger", ledger])
        #expect(verify.status == 0)
        #expect(
            verify.stdout == """
                events checked: 3
                blobs checked:  0
                head:           3 \(CLITests.headHash)
                ok

                """)
        let stats = try run(["log", "stats", "--ledger", ledger, "--format", "json"])
        let json = try JSONParser.parse(stats.stdout.trimmingCharacters(in: .newlines))
        #expect(json["events"] == .number(3))
        #expect(json["head_position"] == .number(3))
        #expect(json["head_hash"] == .string(CLITests.headHash))
        #expect(json["streams"] == .number(2))
        #expect(json["blobs"] == .number(0))
        #expect(json["blob_bytes"] == .number(0))
        #expect((json["file_bytes"]?.numberValue?.int64Value ?? 0) > 0)
        #expect((json["map_bytes"]?.numberValue?.int64Value ?? 0) > 0)
    }

    @Test func asOfShowsTheLogAsItWas() throws {
        try seeded()
        let later = try ChildProcess.run(
            "haasledger", ["log", "append", "--ledger", ledger], stdin: #"{"stream":"lab:L1","type":"t","payload":{}}"#,
            environment: ["HAASLEDGER_CLOCK": "2026-11-22T09:00:00Z"])
        #expect(later.status == 0)
        let before = try run([
            "log", "show", "--ledger", ledger, "--as-of", "2026-11-21T23:00:00+02:00", "--format", "ndjson",
        ])
        #expect(before.stdout.split(separator: "\n").count == 3)
        let after = try run([
            "log", "show", "--ledger", ledger, "--as-of", "2026-11-22T09:00:00Z", "--format", "ndjson",
        ])
        #expect(after.stdout.split(separator: "\n").count == 4)
    }

    @Test func malformedLineFailsWholeAppend() throws {
        try seeded()
        let bad = try run(
            ["log", "append", "--ledger", ledger],
            stdin:
                "{\"stream\":\"x\",\"type\":\"t\",\"payload\":{}}\n{\"stream\":\"x\",\"type\":\"t\",\"payload\":{},\"bogus\":1}\n"
        )
        #expect(bad.status == 2)
        #expect(bad.stdout == "")
        #expect(
            bad.stderr
                == "error: stdin: line 2: unknown field 'bogus' (known: causation, correlation_id, expected_version, id, observed_at, payload, schema_version, source, stream, type)\n"
        )
        let file = directory.appending("events.ndjson")
        try "{\"stream\":\"x\",\"type\":\"t\",\"payload\":{}}\nnot json\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        let fromFile = try run(["log", "append", "--ledger", ledger, file])
        #expect(fromFile.status == 2)
        #expect(fromFile.stderr.hasPrefix("error: \(file): line 2: invalid JSON"))
        let stats = try run(["log", "stats", "--ledger", ledger, "--format", "json"])
        #expect(stats.stdout.contains(#""events":3,"#), "nothing was appended")
    }

    @Test func verifyExitsThreeAndNamesTheFirstBadPosition() throws {
        try seeded()
        try RawLMDB.modify(directory: ledger + "/log", database: "events", key: RawLMDB.positionKey(2)) { record in
            let index = record.lastIndex(of: UInt8(ascii: "5"))!
            record[index] = UInt8(ascii: "6")
        }
        let verify = try run(["log", "verify", "--ledger", ledger])
        #expect(verify.status == 3)
        #expect(verify.stdout.contains("FAILED: first bad position 2: hash mismatch"))
        #expect(verify.stderr.hasPrefix("error: integrity failure: first bad position 2: hash mismatch"))
        let json = try run(["log", "verify", "--ledger", ledger, "--format", "json"])
        #expect(json.status == 3)
        #expect(json.stdout.contains(#""first_bad_position":2,"#))
        #expect(json.stdout.contains(#""ok":false"#))
    }

    @Test func exportImportRoundTripKeepsTheHeadHash() throws {
        try seeded()
        let exportFile = directory.appending("export.ndjson")
        let export = try run(["log", "export", "--ledger", ledger, exportFile])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stderr == "exported 3 events to \(exportFile)\n")
        let copy = directory.appending("copy")
        let imported = try run(["log", "import", "--ledger", copy, exportFile])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout == "imported 3 events; head hash \(CLITests.headHash)\n")
        let original = try run(["log", "export", "--ledger", ledger])
        let again = try run(["log", "export", "--ledger", copy])
        #expect(again.stdout == original.stdout)
        #expect(try String(contentsOfFile: exportFile, encoding: .utf8) == original.stdout)

        let garbage = directory.appending("garbage.ndjson")
        try "<html>not an export</html>\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        let failed = try run(["log", "import", "--ledger", directory.appending("never"), garbage])
        #expect(failed.status == 2)
        #expect(failed.stderr == "error: \(garbage): line 1: not JSON: unexpected character '<' at byte 1\n")
        #expect(
            !FileManager.default.fileExists(atPath: directory.appending("never")),
            "a failed import leaves no ledger behind")

        let refused = try run(["log", "import", "--ledger", ledger, exportFile])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("refusing to import into \(ledger)/log: it already holds 3 events"))
    }

    @Test func followPrintsEventsAppendedLater() throws {
        try seeded()
        let follower = try ChildProcess.Streaming(
            "haasledger",
            ["log", "show", "--ledger", ledger, "--follow", "--format", "ndjson", "--from", "3", "--interval", "0.05"])
        defer { follower.kill() }
        let existing = try #require(follower.nextLine())
        #expect(existing.contains(#""position":3,"#))
        let appended = try run(
            ["log", "append", "--ledger", ledger], stdin: #"{"stream":"lab:L1","type":"late","payload":{"n":4}}"#)
        #expect(appended.status == 0)
        let next = try #require(follower.nextLine())
        #expect(next.contains(#""position":4,"#))
        #expect(next.contains(#""type":"late""#))
    }

    /// `log export --follow` streams export lines (blobs included) from a position on, for shippers (issue 16 §3);
    /// a consumer resumes from its last position + 1, and the lines are those of a whole export.
    @Test func exportFollowStreamsFromAPositionAndResumes() throws {
        try seeded()
        let whole = try run(["log", "export", "--ledger", ledger]).stdout.split(separator: "\n").map(String.init)
        let follower = try ChildProcess.Streaming(
            "haasledger", ["log", "export", "--ledger", ledger, "--follow", "--from", "2", "--interval", "0.05"])
        defer { follower.kill() }
        #expect(follower.nextLine() == whole[1])
        #expect(follower.nextLine() == whole[2])
        let appended = try run(
            ["log", "append", "--ledger", ledger], stdin: #"{"stream":"lab:L1","type":"late","payload":{"n":4}}"#)
        #expect(appended.status == 0)
        let next = try #require(follower.nextLine())
        #expect(next.contains(#""position":4,"#) && next.contains(#""type":"late""#))
        let after = try run(["log", "export", "--ledger", ledger]).stdout.split(separator: "\n").map(String.init)
        #expect(next == after[3], "the same line a whole export writes")
        let refused = try run(["log", "export", "--ledger", ledger, "--from", "2"])
        #expect(refused.status == 2 && refused.stderr.contains("--from applies to --follow"))
    }

    @Test func usageAndMissingLedgerErrors() throws {
        let unknownFlag = try run(["log", "show", "--bogus"])
        #expect(unknownFlag.status == 2)
        #expect(unknownFlag.stderr.contains("Unknown option '--bogus'"))
        let badHead = try run(["log", "verify", "--ledger", ledger, "--expect-head", "xyz"])
        #expect(badHead.status == 2)
        #expect(badHead.stderr.contains("--expect-head must be 64 hexadecimal digits"))
        // A missing ledger or input is a usage error (2); a data file that is no log is an integrity failure (3).
        let missing = try run(["log", "stats", "--ledger", ledger])
        #expect(missing.status == 2)
        #expect(missing.stderr == "error: no ledger at \(ledger) (pass --ledger PATH or set HAASLEDGER_PATH)\n")
        let unreadable = try run(["log", "append", "--ledger", ledger, directory.appending("absent.ndjson")])
        #expect(unreadable.status == 2)
        #expect(unreadable.stderr.contains("absent.ndjson: No such file or directory"))
        let checkMissing = try run(["metrics", "check", directory.appending("absent.json")])
        #expect(checkMissing.status == 2)
        let garbage = directory.appending("garbage")
        try FileManager.default.createDirectory(atPath: garbage + "/log", withIntermediateDirectories: true)
        try Data(repeating: 0x5A, count: 65_536).write(to: URL(fileURLWithPath: garbage + "/log/data.mdb"))
        let damaged = try run(["log", "verify", "--ledger", garbage])
        #expect(damaged.status == 3)
        #expect(damaged.stderr.contains("data.mdb"), "\(damaged.stderr)")
    }

    /// The writer caches stream heads between batches; a commit by another process must invalidate that cache.
    @Test func appendsFromAnotherProcessAreSeenByAnOpenWriter() throws {
        let log = try EventLog.open(directory: ledger + "/log")
        try log.append(EventDraft(stream: "lab:L9", type: "t", payload: Payload(.object([]))))
        let other = try run(
            ["log", "append", "--ledger", ledger], stdin: #"{"stream":"lab:L9","type":"t","payload":{}}"#)
        #expect(other.status == 0, "\(other.stderr)")
        let outcome = try log.append(
            EventDraft(stream: "lab:L9", type: "t", payload: Payload(.object([])), expectedVersion: 2))
        #expect(outcome == .appended(position: 3, streamVersion: 3))
        #expect(try log.verify().isValid)
    }
}

extension CLITests {
    /// A recording command finds the ledger's writer lock held (here by this test process): with --no-wait it
    /// fails at once, naming the ledger and the holder, and appends nothing.
    @Test func noWaitFailsAtOnceWhileAnotherWriterHoldsTheLedger() throws {
        try seeded()
        let descriptor = open(ledger + "/writer.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        let note = Array("pid 4242, fetch since 2026-12-02T10:00:00Z\n".utf8)
        _ = note.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        #expect(flock(descriptor, LOCK_EX | LOCK_NB) == 0)
        let refused = try run(["log", "append", "--ledger", ledger, "--no-wait"], stdin: CLITests.input)
        #expect(refused.status == 1)
        #expect(
            refused.stderr
                == "error: \(ledger): another haasledger is writing to this ledger (pid 4242, fetch since 2026-12-02T10:00:00Z); run again when it is done, or without --no-wait to wait for it\n")
        let stats = try run(["log", "stats", "--ledger", ledger, "--format", "json"])
        #expect(stats.stdout.contains(#""events":3"#), "nothing appended")
    }
}
