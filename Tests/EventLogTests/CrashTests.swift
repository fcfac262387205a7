import EventLog
import EventLogTesting
import Foundation
import Testing

@Suite struct CrashTests {
    /// A writer appends batches in a child process and is SIGKILLed after a random number of reported commits,
    /// 20 times over the same log. Every reported batch must survive whole, and the log must stay valid.
    @Test func killedWriterLosesNothingItReportedCommitted() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("log")
        let batchSize = 40
        var random = SeededRandom(seed: 0x5EED_2026)
        var reported: [(run: String, batch: Int, first: UInt64, last: UInt64)] = []
        for round in 1...20 {
            let child = try ChildProcess.Streaming("eventlog-crash-writer", [path, String(batchSize)])
            let killAfter = Int(random.next() % 12) + 1
            var seen = 0
            while seen < killAfter, let line = child.nextLine() {
                let fields = line.split(separator: " ")
                guard fields.count == 5, fields[0] == "committed", let batch = Int(fields[2]),
                    let first = UInt64(fields[3]), let last = UInt64(fields[4])
                else {
                    Issue.record("round \(round): unexpected line from the writer: \(line)")
                    break
                }
                reported.append((String(fields[1]), batch, first, last))
                seen += 1
            }
            child.kill()
            #expect(seen == killAfter, "round \(round): the writer stopped early")

            let log = try EventLog.open(directory: path, options: .init(create: false))
            let report = try log.verify()
            #expect(report.isValid, "round \(round): \(String(describing: report.problem))")
            let head = try #require(report.head)
            try log.read { reader in
                for entry in reported {
                    #expect(entry.last - entry.first + 1 == UInt64(batchSize))
                    #expect(entry.last <= head.position, "round \(round): reported batch \(entry.batch) is gone")
                    for position in [entry.first, entry.last] {
                        let event = try #require(try reader.event(at: position))
                        #expect(event.payload.description.contains(#""batch":\#(entry.batch),"#))
                        #expect(event.payload.description.contains(entry.run))
                    }
                }
                // No partial batch: the newest event closes its batch.
                let newest = try #require(try reader.event(at: head.position))
                #expect(
                    newest.payload.description.contains(#""index":\#(batchSize - 1),"#),
                    "round \(round): a partial batch survived")
            }
        }
        #expect(reported.count >= 20)
    }

    /// The same with every event carrying a 100 KB body: a dictionary gets trained in the first rounds, so kills
    /// land before, across and after training. `verify` decompresses every blob and checks it against its hash.
    @Test func killedWriterStoringLargeBodiesKeepsEveryBodyReadable() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("log")
        var random = SeededRandom(seed: 0xB10B_2026)
        var reported = 0
        for round in 1...8 {
            let child = try ChildProcess.Streaming("eventlog-crash-writer", [path, "10", "100000", "102400"])
            let killAfter = Int(random.next() % 6) + 1
            var seen = 0
            while seen < killAfter, child.nextLine() != nil { seen += 1 }
            child.kill()
            reported += seen
            let log = try EventLog.open(directory: path, options: .init(create: false))
            let report = try log.verify()
            #expect(report.isValid, "round \(round): \(String(describing: report.problem))")
            #expect((report.head?.position ?? 0) >= UInt64(reported * 10), "round \(round): a reported batch is gone")
        }
        let log = try EventLog.open(directory: path, options: .init(create: false))
        let stats = try log.stats()
        #expect(stats.blobDictionaries == 1, "trained once, across all the kills")
        #expect(stats.blobStoredBytes < stats.blobBytes / 2)
    }
}
