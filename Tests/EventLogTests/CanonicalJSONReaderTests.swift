import EventLog
import JSON
import Testing

/// The in-place reader must see stored payloads exactly as the tree parser does, and refuse malformed input
/// without reading past it.
@Suite struct CanonicalJSONReaderTests {
    func withReader<R>(_ json: String, _ body: (CanonicalJSONReader) throws -> R) rethrows -> R {
        try Array(json.utf8).withUnsafeBytes { try body(CanonicalJSONReader($0)) }
    }

    @Test func membersOfAStoredPayloadMatchTheTreeParser() throws {
        let payload = try Payload(
            json: #"""
                {"values": {"sharpe": 1.25, "note": "+inf"}, "backtest_id": "bt \"1\" é", "flag": true,
                 "nested": {"a": [1, "}"]}, "big": 123456789012345678901234567890}
                """#)
        let tree = try payload.json
        try payload.canonicalBytes.withUnsafeBytes { bytes in
            let reader = CanonicalJSONReader(bytes)
            var names: [String] = []
            try reader.forEachMember(of: reader.root) { name, value in
                let key = String(decoding: name, as: UTF8.self)
                names.append(key)
                let expected = tree[key]
                let string = try reader.string(value)
                #expect(string == expected?.stringValue, "\(key)")
                #expect(reader.double(value) == expected?.numberValue?.doubleValue, "\(key)")
                #expect(
                    reader.isObject(value) == (expected.map { if case .object = $0 { true } else { false } } ?? false))
            }
            #expect(names == ["backtest_id", "big", "flag", "nested", "values"])
            let values = try #require(try reader.member("values", of: reader.root))
            #expect(try reader.member("sharpe", of: values).flatMap(reader.double) == 1.25)
            #expect(try reader.member("missing", of: values) == nil)
        }
    }

    @Test(arguments: ["0x10", "-inf", "1e", "nan", "1.5x"])
    func onlyJSONNumbersAreNumbers(text: String) throws {
        try withReader("{\"a\":\(text)}") { reader in
            let value = try #require(try reader.member("a", of: reader.root))
            #expect(reader.double(value) == nil, "\(text)")
        }
    }

    @Test func escapedStringsAreDecoded() throws {
        try withReader(#"{"a":"tab\there \"q\" \u00e9"}"#) { reader in
            let value = try #require(try reader.member("a", of: reader.root))
            #expect(try reader.string(value) == "tab\there \"q\" é")
        }
        try withReader(#"{"win \"%\"":1}"#) { reader in
            var names: [String] = []
            try reader.forEachMember(of: reader.root) { name, _ in names.append(try CanonicalJSONReader.unescaped(name))
            }
            #expect(names == ["win \"%\""])
        }
    }

    @Test(arguments: [
        (#"{"a":1"#, "expected an object"), (#"{"a" 1}"#, "expected ':'"), (#"{"a":"x}"#, "unterminated string"),
        (#"{"a":{"b":1}"#, "unterminated object or array"), (#"{"a":}"#, "expected a value"),
        (#"{"a":[1,2}"#, "unterminated object or array"),
        (#"{"a":1 "b":2}"#, "expected ',' between members"), (#"{1:2}"#, "expected a member name"),
        ("[]", "expected an object"),
    ])
    func malformedInputIsAnError(json: String, reason: String) {
        withReader(json) { reader in
            let error = #expect(throws: JSONParseError.self) { try reader.forEachMember(of: reader.root) { _, _ in } }
            #expect(error?.reason.contains(reason) == true, "\(json): \(String(describing: error))")
        }
    }
}
