import EventLog
import EventLogTesting
import Foundation
import Ledger
import Platform
import Testing

#if canImport(Glibc)
    import Glibc
#endif

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
        #expect(
            try LogService(location: location).append(LineSource(name: "stdin", bytes: Array(Self.line.utf8))).appended
                == 1)
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

    /// A child started by another thread while a lock is let go holds a copy of its descriptor until the child
    /// execs (CI once saw a sweep's second `lab create` find the ledger busy with its first). Children start
    /// without pause here until a few hundred have, and every writer in between must find the lock free.
    @Test func aLockIsFreeOnceLetGoWhileOtherThreadsStartChildren() throws {
        let started = Locked(0)
        let stop = Locked(false)
        let spawnerEnded = DispatchSemaphore(value: 0)
        Thread {
            let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
            let envp: [UnsafeMutablePointer<CChar>?] = [nil]
            defer { free(argv[0]) }
            while !stop.withLock({ $0 }) {
                var pid: pid_t = 0
                guard posix_spawn(&pid, "/bin/true", nil, nil, argv, envp) == 0 else {
                    stop.withLock { $0 = true }
                    break
                }
                var status: Int32 = 0
                _ = waitpid(pid, &status, 0)
                started.withLock { $0 += 1 }
            }
            spawnerEnded.signal()
        }.start()
        defer {
            stop.withLock { $0 = true }
            spawnerEnded.wait()
        }
        var writers = 0
        var busy = 0
        while (writers < 500 || started.withLock({ $0 }) < 300) && !stop.withLock({ $0 }) {
            do {
                withExtendedLifetime(try WriterLock.acquire(location, command: "fetch", policy: .failAtOnce)) {}
            } catch LedgerError.ledgerBusy {
                busy += 1
            }
            writers += 1
        }
        #expect(started.withLock { $0 } >= 300, "/bin/true could not be started")
        #expect(busy == 0, "\(busy) of \(writers) writers found the ledger busy")
    }
}
