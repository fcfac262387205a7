import EventLog
import EventLogTesting
import Foundation
import JSON
import Testing

@testable import Ledger

/// `log append` reads its input twice in bounded memory: a first pass checks every line, the second appends
/// in transactions. Whatever the size, a bad line or a version conflict anywhere appends nothing.
@Suite struct StreamingAppendTests {
    let directory: TemporaryDirectory
    let service: LogService

    init() throws {
        directory = try TemporaryDirectory(prefix: "haasledger-append")
        service = LogService(location: LedgerLocation(root: directory.appending("ledger")), clock: ManualClock())
    }

    func file(_ lines: [String]) throws -> LineFile {
        let path = directory.appending("input-\(lines.count).ndjson")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return try LineFile(path: path, spoolDirectory: directory.path)
    }

    func events(_ count: Int, stream: (Int) -> String = { "s\($0 % 7)" }) -> [String] {
        (1...count).map { #"{"stream":"\#(stream($0))","type":"t","payload":{"n":\#($0),"a":[1.5,"x"]}}"# }
    }

    @Test func manyTransactionsAppendEveryLineInOrder() throws {
        let summary = try service.append(from: try file(events(1_000)), eventsPerTransaction: 64)
        #expect(summary.description == "appended 1000 events (positions 1–1000)")
        let log = try service.location.openLog(create: false)
        let payloads = try log.read { reader in
            var numbers: [Int64] = []
            try reader.forEachEvent { event in
                numbers.append(try event.payload.json["n"]?.numberValue?.int64Value ?? -1)
                return true
            }
            return numbers
        }
        #expect(payloads == (1...1_000).map(Int64.init))
        #expect(try log.verify().isValid)
    }

    @Test func aBadLastLineAppendsNothingAtAll() throws {
        _ = try service.append(from: try file(events(3)), eventsPerTransaction: 64)
        #expect(
            throws: LedgerError.malformedInput(
                source: directory.appending("input-1001.ndjson"), line: 1_001, reason: "missing field 'payload'")
        ) {
            try service.append(
                from: try file(events(1_000) + [#"{"stream":"s","type":"t"}"#]), eventsPerTransaction: 64)
        }
        #expect(try service.stats().events == 3)
    }

    @Test func versionsAreCheckedAgainstTheLogAndTheLinesBefore() throws {
        _ = try service.append(from: try file(events(2, stream: { _ in "lab:1" })), eventsPerTransaction: 64)
        let expectThird = #"{"stream":"lab:1","type":"t","payload":{},"expected_version":502}"#
        // 500 more lines on the stream put it at 502: the expectation holds, across many transactions.
        let ok = try service.append(
            from: try file(events(500, stream: { _ in "lab:1" }) + [expectThird]), eventsPerTransaction: 64)
        #expect(ok.appended == 501)
        #expect(throws: EventLogError.versionConflict(stream: "lab:1", expected: 502, actual: 503)) {
            try service.append(from: try file(events(10) + [expectThird]), eventsPerTransaction: 4)
        }
        #expect(try service.stats().events == 503)
    }

    @Test func repeatedIDsAreNoOpsThatAdvanceNoStream() throws {
        let line = #"{"stream":"a","type":"t","payload":{},"id":"0190f3a0-0000-7000-8000-0000000000aa"}"#
        let next = #"{"stream":"a","type":"t","payload":{},"expected_version":1}"#
        let summary = try service.append(from: try file([line, line, next]), eventsPerTransaction: 1)
        #expect(summary.description == "appended 2 events (positions 1–2); 1 already recorded (same id), skipped")
    }
}

extension StreamingAppendTests {
    @Test func aRefusedInputLeavesNoNewLedgerBehind() throws {
        let path = directory.appending("bad.ndjson")
        try #"{"stream":"s","type":"t"}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: LedgerError.self) { try service.append(path: path) }
        #expect(!FileManager.default.fileExists(atPath: service.location.root))
    }

    @Test func aFIFOIsReadLikeAFile() throws {
        let fifo = directory.appending("events.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let lines = events(3).joined(separator: "\n") + "\n"
        // The writer blocks until the append opens the FIFO, so it runs beside it and is awaited before returning.
        let written = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            if let handle = FileHandle(forWritingAtPath: fifo) {
                handle.write(Data(lines.utf8))
                try? handle.close()
            }
            written.signal()
        }
        let summary = try service.append(path: fifo)
        written.wait()
        #expect(summary.appended == 3)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: service.location.root).allSatisfy {
                !$0.hasPrefix(".haasledger-scratch")
            })
    }
}

extension StreamingAppendTests {
    /// A ledger holds account ids and server replies: its folders are created 0700 and its files 0600.
    @Test func newLedgersArePrivate() throws {
        _ = try service.append(from: try file(events(2)))
        _ = try ReadModelService(location: service.location).labs(at: .now)
        func mode(_ path: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
        }
        #expect(try mode(service.location.root) == 0o700)
        #expect(try mode(service.location.logDirectory) == 0o700)
        #expect(try mode(service.location.logDirectory + "/data.mdb") == 0o600)
        #expect(try mode(service.location.root + "/readmodels.sqlite") == 0o600)
    }

    /// A clock that raises a stop the first time a batch asks it for the time: the stop arrives while the first
    /// transaction is being appended, as a Ctrl-C would.
    final class StoppingClock: LedgerClock {
        let stop: StopRequest
        let clock = ManualClock()
        init(_ stop: StopRequest) { self.stop = stop }
        func nowMicroseconds() -> Int64 {
            stop.request()
            return clock.nowMicroseconds()
        }
    }

    @Test func aStopWhileCheckingAppendsNothing() throws {
        var stopped = service
        stopped.stopRequest = StopRequest()
        stopped.stopRequest.request()
        let input = try file(events(40_000))
        #expect(
            throws: LedgerError.interrupted(
                "log append stopped while checking line 32768 of the input: nothing was appended")
        ) { try stopped.append(from: input, eventsPerTransaction: 64) }
        #expect(try service.location.openLog(create: true).read { try $0.head() } == nil)
    }

    @Test func aStopBetweenTransactionsKeepsTheWholeOnesBefore() throws {
        let stop = StopRequest()
        var stopped = LogService(location: service.location, clock: StoppingClock(stop))
        stopped.stopRequest = stop
        #expect(
            throws: LedgerError.interrupted(
                "log append stopped after 64 event(s) in whole transactions (positions 1–64), before line 65: running it again skips the lines that carry an id; lines without one would be appended a second time"
            )
        ) { try stopped.append(from: try file(events(1_000)), eventsPerTransaction: 64) }
        // Through the public entry point, into a ledger that did not exist: the transaction committed is kept
        // (a refused input leaves no ledger behind; a stopped one keeps what it says it kept).
        _ = try file(events(30_000))
        let freshStop = StopRequest()
        var fresh = LogService(
            location: LedgerLocation(root: directory.appending("fresh")), clock: StoppingClock(freshStop))
        fresh.stopRequest = freshStop
        #expect(throws: LedgerError.self) { try fresh.append(path: directory.appending("input-30000.ndjson")) }
        #expect(try fresh.location.openLog(create: false).read { try $0.head() }?.position == 25_000)
        let log = try service.location.openLog(create: false)
        #expect(try log.read { try $0.head() }?.position == 64)
        #expect(try log.verify().isValid)
    }
}
