import EventLogTesting
import JSON
import Testing

@testable import EventLog

/// `verify` remembers each stream's last checked event, so most links are checked without reading the
/// predecessor again; a link that does not point at the remembered event is still read and named.
@Suite struct StreamLinkTests {
    /// Ten events over three streams: `s:1` holds positions 1, 4, 7 and 10.
    func sampleLog() throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory()
        let path = directory.appending("log")
        let log = try EventLog.open(directory: path, options: .init(clock: ManualClock()))
        try log.append((1...10).map { draft("s:\($0 % 3)", "t", .object([("n", .number(Int64($0)))])) })
        return (directory, path)
    }

    /// Points `position`'s stream link at `link` and re-chains the hashes from there on, so only the link is
    /// wrong.
    func relink(_ position: UInt64, to link: UInt64, in path: String) throws {
        let before = try #require(
            try RawLMDB.value(directory: path, database: "events", key: RawLMDB.positionKey(position - 1)))
        var previous = before.suffix(EnvelopeLayout.hashSize).withUnsafeBytes { SHA256Hash($0) }
        for current in position...10 {
            try RawLMDB.modify(directory: path, database: "events", key: RawLMDB.positionKey(current)) { record in
                let envelopeSize = record.count - EnvelopeLayout.hashSize
                if current == position {
                    withUnsafeBytes(of: link.littleEndian) { bytes in
                        record.replaceSubrange(
                            EnvelopeLayout.previousInStreamOffset..<(EnvelopeLayout.previousInStreamOffset + 8),
                            with: bytes)
                    }
                }
                previous = record.prefix(envelopeSize).withUnsafeBytes {
                    SHA256Hash.chain(previous: previous, envelope: $0)
                }
                previous.withUnsafeBytes { record.replaceSubrange(envelopeSize..., with: $0) }
            }
        }
    }

    @Test func anIntactLogVerifies() throws {
        let (directory, path) = try sampleLog()
        _ = directory
        #expect(try EventLog.open(directory: path, options: .init(create: false)).verify().isValid)
    }

    @Test(arguments: [
        (UInt64(1), "stream 's:1' version is 3, expected 2"),
        (UInt64(5), "stream 's:1' links back to 5, an event of 's:2'"),
        (UInt64(8), "stream 's:1' version 3 links back to 8, not to an earlier event"),
    ])
    func aWrongLinkIsNamedEvenWhenItsStreamIsRemembered(link: UInt64, reason: String) throws {
        let (directory, path) = try sampleLog()
        _ = directory
        try relink(7, to: link, in: path)
        let report = try EventLog.open(directory: path, options: .init(create: false)).verify()
        #expect(report.problem == VerifyReport.Problem(position: 7, reason: reason))
    }
}
