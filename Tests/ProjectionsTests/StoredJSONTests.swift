import EventLog
import JSON
import SQLiteKit
import Testing

@testable import Projections

/// Columns read in place from a stored payload must equal those read through the JSON tree.
@Suite struct StoredJSONTests {
    @Test func inPlaceColumnValuesEqualTreeColumnValues() throws {
        let payload = try Payload(
            json: #"""
                {"string": "a \"quoted\" é", "integer": -42, "whole": 3.0, "real": 0.125, "exponent": 1.5e-9,
                 "huge": 123456789012345678901234567890, "true": true, "false": false, "null": null,
                 "object": {"b": [1, {"c": null}], "a": "x"}, "array": [], "empty": ""}
                """#)
        let tree = try payload.json
        var checked = 0
        try payload.canonicalBytes.withUnsafeBytes { bytes in
            let reader = CanonicalJSONReader(bytes)
            try reader.forEachMember(of: reader.root) { name, value in
                let member = String(decoding: name, as: UTF8.self)
                let inPlace = try SQLiteValue(storedJSON: value, in: reader)
                #expect(inPlace == SQLiteValue(try #require(tree[member])), "\(member)")
                checked += 1
            }
        }
        #expect(checked == 12)
    }
}
