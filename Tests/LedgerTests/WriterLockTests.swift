import EventLog
import EventLogTesting
import Foundation
import Ledger
import Platform
import Testing

/// One writer per ledger (issue 15 #2): a second recording command waits, saying so, or fails at once.
@Suite struct WriterLockTests {
    let directory: TemporaryDirectory
    let location: LedgerLocation

    init() throws {
        directory = try TemporaryDirectory(prefix: "haasledger-lock")
        location = LedgerLocation(root: directory.appending("ledger"))
    }

    static let line = #"{"stream":"lab:L1","type":"haas.lab.observed","payload":{"lab_id":"L1"}}"# + "\n"

    @Test func aSecondWriterFailsAtOnceWhenToldNotToWait() throws {
        let held = try WriterLock.acquire(location, command: "fetch", policy: .failAtOnce)
        var service = LogService(location: location)
        service.writerPolicy = .failAtOnce
        do {
            _ = try service.append(LineSource(name: "stdin", bytes: Array(Self.line.utf8)))
            Issue.record("the second writer did not fail")
        } catch LedgerError.ledgerBusy(let path, let holder) {
            #expect(path == location.root)
            #expect(holder.hasPrefix("pid \(getpid()), fetch since "))
        }
        withExtendedLifetime(held) {}
        // Nothing was appended, and the lock is free again once its holder is gone.
        #expect(try LogService(location: location).append(LineSource(name: "stdin", bytes: Array(Self.line.utf8))).appended == 1)
    }

    @Test func aSecondWriterWaitsForTheFirstAndSaysSo() throws {
        let held = Locked<WriterLock?>(try WriterLock.acquire(location, command: "import", policy: .failAtOnce))
        let announced = Locked<[String]>([])
        var service = LogService(location: location)
        // The first writer finishes the moment the second says it is waiting.
        service.writerPolicy = .wait(announce: { message in
            announced.withLock { $0.append(message) }
            held.withLock { $0 = nil }
        })
        let summary = try service.append(LineSource(name: "stdin", bytes: Array(Self.line.utf8)))
        #expect(summary.appended == 1)
        let messages = announced.withLock { $0 }
        #expect(messages.count == 1)
        #expect(messages.first?.hasPrefix("waiting for another haasledger writing to \(location.root) (pid ") == true)
        #expect(messages.first?.contains("import since") == true)
    }
}
