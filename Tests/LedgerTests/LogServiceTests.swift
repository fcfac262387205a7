import EventLog
import EventLogTesting
import JSON
import Ledger
import Testing

@Suite struct LogServiceTests {
    private let clock = ManualClock()

    private func service(_ directory: TemporaryDirectory) -> LogService {
        LogService(location: LedgerLocation(root: directory.appending("ledger")), clock: clock)
    }

    private func lines(_ count: Int, stream: String = "s") -> LineSource {
        let text = (1...count).map { #"{"stream":"\#(stream)","type":"t","payload":{"n":\#($0)}}"# }.joined(
            separator: "\n")
        return LineSource(name: "stdin", bytes: Array(text.utf8))
    }

    @Test func appendSummarisesPositionsAndDuplicates() throws {
        let directory = try TemporaryDirectory()
        let first = try service(directory).append(lines(3))
        #expect(first.description == "appended 3 events (positions 1–3)")
        let withID = LineSource(
            name: "f",
            bytes: Array(#"{"stream":"s","type":"t","payload":{},"id":"0190f3a0-0000-7000-8000-0000000000aa"}"#.utf8))
        _ = try service(directory).append(withID)
        let again = try service(directory).append(withID)
        #expect(again.description == "appended 0 events; 1 already recorded (same id), skipped")
    }

    @Test func aMalformedLineAppendsNothing() throws {
        let directory = try TemporaryDirectory()
        _ = try service(directory).append(lines(2))
        let bad = LineSource(
            name: "batch.ndjson",
            bytes: Array(
                (#"{"stream":"s","type":"t","payload":{}}"# + "\n" + #"{"stream":"s","type":"t","payload":{}}"#
                    + "\n{oops}\n").utf8))
        #expect(
            throws: LedgerError.malformedInput(
                source: "batch.ndjson", line: 3, reason: "invalid JSON: expected a member name in quotes at byte 2")
        ) {
            try service(directory).append(bad)
        }
        #expect(try service(directory).stats().events == 2)
    }

    @Test func aVersionConflictAppendsNothing() throws {
        let directory = try TemporaryDirectory()
        _ = try service(directory).append(lines(2, stream: "lab:1"))
        let conflicting = LineSource(
            name: "stdin",
            bytes: Array(
                (#"{"stream":"x","type":"t","payload":{}}"# + "\n"
                    + #"{"stream":"lab:1","type":"t","payload":{},"expected_version":5}"#).utf8))
        #expect(throws: EventLogError.versionConflict(stream: "lab:1", expected: 5, actual: 2)) {
            try service(directory).append(conflicting)
        }
        #expect(try service(directory).stats().events == 2)
    }

    @Test func queriesFilterByRangeStreamTypeTimeAndLimit() throws {
        let directory = try TemporaryDirectory()
        let ledger = service(directory)
        clock.set(1_000)
        _ = try ledger.append(lines(3, stream: "a"))  // 1-3
        clock.set(2_000)
        _ = try ledger.append(
            LineSource(
                name: "stdin",
                bytes: Array(
                    (#"{"stream":"b","type":"u","payload":{}}"# + "\n"
                        + #"{"stream":"a","type":"u","payload":{}}"#).utf8)))  // 4-5
        let log = try ledger.location.openLog(create: false, clock: clock)
        func positions(_ query: LogQuery) throws -> [UInt64] {
            try log.read { reader in
                var result: [UInt64] = []
                try query.run(reader) { result.append($0.position) }
                return result
            }
        }
        #expect(try positions(LogQuery()) == [1, 2, 3, 4, 5])
        #expect(try positions(LogQuery(from: 2, through: 4)) == [2, 3, 4])
        #expect(try positions(LogQuery(stream: "a")) == [1, 2, 3, 5])
        #expect(try positions(LogQuery(stream: "a", type: "u")) == [5])
        #expect(try positions(LogQuery(type: "u")) == [4, 5])
        #expect(try positions(LogQuery(asOf: 1_500)) == [1, 2, 3])
        #expect(try positions(LogQuery(asOf: 999)) == [])
        #expect(try positions(LogQuery(from: 2, limit: 2)) == [2, 3])
        #expect(try positions(LogQuery(stream: "a", asOf: 1_500, limit: 10)) == [1, 2, 3])
    }

    @Test func statsJSONCarriesTheContractKeys() throws {
        let directory = try TemporaryDirectory()
        _ = try service(directory).append(lines(4))
        guard case .object(let members) = try service(directory).stats().json else {
            Issue.record("stats JSON is not an object")
            return
        }
        let keys = Set(members.map(\.key))
        for key in [
            "events", "head_position", "head_hash", "streams", "blobs", "blob_bytes", "file_bytes", "map_bytes",
        ] {
            #expect(keys.contains(key), "missing \(key)")
        }
    }

    @Test func readCommandsDoNotCreateALedger() throws {
        let directory = try TemporaryDirectory()
        let missing = service(directory)
        #expect(throws: EventLogError.notFound(path: missing.location.root)) { try missing.stats() }
        #expect(throws: EventLogError.notFound(path: missing.location.root)) { try missing.verify(expectedHead: nil) }
    }

    @Test func ledgerLocationPrefersFlagThenEnvironment() {
        #expect(LedgerLocation.resolve(flag: "/x", environment: ["HAASLEDGER_PATH": "/y"]).root == "/x")
        #expect(LedgerLocation.resolve(flag: nil, environment: ["HAASLEDGER_PATH": "/y/"]).root == "/y")
        #expect(LedgerLocation.resolve(flag: nil, environment: [:]).root == "./haasledger-data")
        #expect(LedgerLocation(root: "/data").logDirectory == "/data/log")
    }

    @Test func tableRendererAlignsColumns() {
        let table = TableRenderer(columns: [.init("N", rightAligned: true), .init("NAME"), .init("NOTE")])
        #expect(
            table.render([["1", "alpha", "x"], ["100", "b", "longer note"]]) == [
                "  N  NAME   NOTE", "  1  alpha  x", "100  b      longer note",
            ])
    }
}
