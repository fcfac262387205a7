import EventLog
import Ledger
import Testing

@Suite struct NDJSONEventReaderTests {
    private func input(_ lines: String...) -> LineSource {
        LineSource(name: "events.ndjson", bytes: Array(lines.joined(separator: "\n").utf8))
    }

    @Test func readsEveryFieldAndSkipsBlankLines() throws {
        let drafts = try NDJSONEventReader.drafts(
            from: input(
                #"{"stream":"lab:1","type":"t","payload":{"b":2,"a":1}}"#,
                "   ",
                #"{"stream":"lab:1","type":"t","payload":{},"id":"0190f3a0-0000-7000-8000-000000000001","expected_version":1,"#
                    + #""observed_at":"2026-01-02T03:04:05Z","correlation_id":"0190f3a0-0000-7000-8000-000000000002","#
                    + #""causation":1,"schema_version":2,"source":"unit"}"#
            ), defaultSource: "events.ndjson")
        #expect(drafts.count == 2)
        #expect(drafts[0].payload.description == #"{"a":1,"b":2}"#)
        #expect(drafts[0].source == "events.ndjson")
        #expect(drafts[1].id == EventID("0190f3a0-0000-7000-8000-000000000001"))
        #expect(drafts[1].expectedVersion == 1)
        #expect(drafts[1].observedAt == Timestamp.parse("2026-01-02T03:04:05Z"))
        #expect(drafts[1].correlationID == EventID("0190f3a0-0000-7000-8000-000000000002"))
        #expect(drafts[1].causation == 1)
        #expect(drafts[1].schemaVersion == 2)
        #expect(drafts[1].source == "unit")
    }

    @Test(arguments: [
        (#"{"stream":"s","type":"t"}"#, "missing field 'payload'"),
        (#"{"type":"t","payload":{}}"#, "missing field 'stream'"),
        (#"{"stream":"s","type":"t","payload":[]}"#, "'payload' must be an object"),
        (#"{"stream":"s","type":"t","payload":{},"strem":"x"}"#, "unknown field 'strem'"),
        (#"{"stream":"s","type":"t","payload":{},"id":"nope"}"#, "'id' is not a UUID"),
        (#"{"stream":"s","type":"t","payload":{},"expected_version":-1}"#, "'expected_version' must be a whole number"),
        (#"{"stream":"s","type":"t","payload":{},"causation":0}"#, "'causation' must be a whole number ≥ 1"),
        (#"{"stream":"s","type":"t","payload":{},"observed_at":"yesterday"}"#, "'observed_at' is not an ISO-8601 time"),
        (#"{"stream":7,"type":"t","payload":{}}"#, "'stream' must be a string"),
        (#"{"stream":"s","type":"t","payload":{}"#, "invalid JSON"),
        ("[1]", "expected a JSON object"),
    ])
    func namesTheLineAndTheProblem(line: String, reason: String) {
        let error = #expect(throws: LedgerError.self) {
            try NDJSONEventReader.drafts(
                from: input(#"{"stream":"ok","type":"t","payload":{}}"#, line), defaultSource: "x")
        }
        guard case .malformedInput(let source, let number, let text)? = error else {
            Issue.record("unexpected error \(String(describing: error))")
            return
        }
        #expect(source == "events.ndjson")
        #expect(number == 2)
        #expect(text.contains(reason), "\(text)")
    }
}
