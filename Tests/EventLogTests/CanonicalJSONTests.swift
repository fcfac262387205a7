import EventLog
import EventLogTesting
import Foundation
import Testing

@testable import JSON

@Suite struct CanonicalJSONTests {
    @Test func sortsKeysAndDropsWhitespace() throws {
        let bytes = try CanonicalJSON.canonicalize(Array(#" { "b" : [1, 2.50, true], "a": null, "é": "x" } "#.utf8))
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"a":null,"b":[1,2.5,true],"é":"x"}"#)
    }

    @Test(arguments: [
        ("1.0", "1"), ("-0", "0"), ("-0.0", "0"), ("1e2", "100"), ("0.1", "0.1"), ("1e-7", "1e-7"),
        ("1.5E+300", "1.5e+300"), ("123456789012345678901234567890", "123456789012345678901234567890"),
        ("2.5e-3", "0.0025"),
    ])
    func numbersHaveOneSpelling(input: String, canonical: String) throws {
        #expect(CanonicalJSON.string(try JSONParser.parse(input)) == canonical)
    }

    @Test func escapesOnlyWhatJSONRequires() throws {
        let value = try JSONParser.parse(#""tab\there \"q\" \\ \u0001 \u00e9 \ud83d\ude00 \/""#)
        #expect(CanonicalJSON.string(value) == "\"tab\\there \\\"q\\\" \\\\ \\u0001 é 😀 /\"")
    }

    @Test(arguments: [
        (#"{"a":1,"a":2}"#, "duplicate member name"), ("[1,]", "unexpected character"), ("01", "leading zeros"),
        (#""\ud800""#, "unpaired surrogate"), ("1e999", "out of range"), ("{} x", "unexpected content"),
        ("\"a\u{01}\"", "control character"), ("", "unexpected end"),
    ])
    func rejectsInvalidJSON(input: String, reason: String) {
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(input) }
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func canonicalFormIsAFixedPoint() throws {
        let once = try CanonicalJSON.canonicalize(Array(#"{"z":{"y":[{"b":1,"a":2}]},"x":-1.25e1}"#.utf8))
        #expect(try CanonicalJSON.canonicalize(once) == once)
    }
}

/// Canonical input is stored as it is; everything else goes through the tree and comes out the same.
@Suite struct CanonicalCheckTests {
    @Test func canonicalBytesAreRecognisedAndOthersAreNot() throws {
        for canonical in [
            #"{}"#, #"[]"#, #"{"a":1,"b":[true,false,null],"c":{"d":"é"}}"#, #"-12"#, #"1.5"#, #"1e-7"#, #""x""#,
            #"{"A":1,"a":2}"#, #"12345678901234567890123"#,
        ] {
            let bytes = Array(canonical.utf8)
            #expect(bytes.withUnsafeBufferPointer(CanonicalJSON.isCanonical), "\(canonical)")
            #expect(try CanonicalJSON.canonicalize(bytes) == CanonicalJSON.encode(try JSONParser.parse(bytes)))
        }
        for other in [
            #"{"b":1,"a":2}"#, #"{"a":1,"a":2}"#, #"{ "a":1}"#, #"1.0"#, #"-0"#, #"1E-7"#, #""\u00e9""#, #""\/""#,
            #"[1,]"#, #"01"#, #"{"a":1} "#, #"1.50"#, "\"\u{1}\"",
        ] {
            let bytes = Array(other.utf8)
            #expect(!bytes.withUnsafeBufferPointer(CanonicalJSON.isCanonical), "\(other)")
            if let tree = try? JSONParser.parse(bytes) {
                #expect(try CanonicalJSON.canonicalize(bytes) == CanonicalJSON.encode(tree), "\(other)")
            }
        }
    }
}

/// The shortcut for plain decimals agrees with converting through `Double` wherever it decides.
@Suite struct PlainDecimalTests {
    @Test func agreesWithTheConversion() {
        var random = SystemRandomNumberGenerator()
        var decided = 0
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...17, using: &random)
            let scale = Int.random(in: -8...12, using: &random)
            let mantissa = Double(Int64.random(in: 1...Int64(pow(10, Double(digits))) - 1, using: &random))
            let value = mantissa * pow(10, Double(scale - digits)) * (Bool.random(using: &random) ? 1 : -1)
            for text in [String(value), String(format: "%.\(Int.random(in: 1...17, using: &random))f", value)] {
                let bytes = Array(text.utf8)
                let shortcut = bytes.withUnsafeBufferPointer { CanonicalCheck.plainDecimal($0) }
                guard let shortcut else { continue }
                decided += 1
                let exact = JSONNumber(Double(text)!)?.canonicalText == text
                #expect(shortcut == exact, "\(text)")
            }
        }
        #expect(decided > 5_000)
    }
}

/// The canonical check and the scanner agree on how deep a document may nest.
@Suite struct NestingTests {
    @Test func theCheckAcceptsExactlyWhatTheParserAccepts() throws {
        for depth in [511, 512, 513] {
            let bytes = Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8)
            let parses = (try? JSONParser.parse(bytes)) != nil
            #expect(bytes.withUnsafeBufferPointer(CanonicalJSON.isCanonical) == parses, "depth \(depth)")
            #expect(parses == (depth <= JSONScanner.maxDepth))
        }
    }
}

/// Decimals read without strtod (the one-pass plain path, or Clinger's fast path) give strtod's bits; the
/// rest still go to strtod. Each text is read followed by a comma and as the whole input.
@Suite struct ScannerDoubleTests {
    static func scanned(_ text: String) throws -> Double {
        let followed = try read(text + ",") { try $0.double() }
        let alone = try read(text) { try $0.double() }
        #expect(followed.bitPattern == alone.bitPattern, "\(text)")
        return followed
    }

    static func read<T>(_ text: String, _ body: (inout JSONScanner) throws -> T) throws -> T {
        try Array(text.utf8).withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer)
            let value = try body(&scanner)
            #expect(scanner.index == text.utf8.count - (text.hasSuffix(",") ? 1 : 0), "the cursor after \(text)")
            return value
        }
    }

    /// Significands past 2⁵³ (formed and rounded in 128 bits), against strtod, with the ties between two
    /// doubles that only an exact remainder decides.
    @Test func wideSignificandsRoundAsStrtodRoundsThem() {
        var random = SeededRandom(seed: 53)
        for _ in 0..<50_000 {
            let w =
                UInt64.random(in: (1 << 53 + 1)...UInt64.max, using: &random)
                >> UInt64.random(in: 0...10, using: &random)
            let q = Int.random(in: -22...22, using: &random)
            let expected = strtod("\(w)e\(q)", nil)
            #expect(ExactDecimal.value(w, tenToThe: q)?.bitPattern == expected.bitPattern, "\(w)e\(q)")
        }
        // 2⁵³ + 1 and + 3 lie halfway between two doubles (ties go to the even one); the largest significand at
        // both ends of the exponents; a quotient that is exact.
        for (w, q) in [
            (UInt64(9_007_199_254_740_993), 0), (9_007_199_254_740_995, 0), (UInt64.max, 0), (UInt64.max, -22),
            (UInt64.max, 22), (10_000_000_000_000_000_000, -19), (9_007_199_254_740_993, -1),
        ] {
            #expect(ExactDecimal.value(w, tenToThe: q)?.bitPattern == strtod("\(w)e\(q)", nil).bitPattern, "\(w)e\(q)")
        }
        #expect(ExactDecimal.value(1, tenToThe: 23) == nil)
    }

    @Test func integersReadAsTheirValueWhateverTheirSpelling() throws {
        var random = SeededRandom(seed: 7)
        for _ in 0..<20_000 {
            let value =
                Int64.random(in: -(1 << 62)...(1 << 62), using: &random) >> Int.random(in: 0...62, using: &random)
            #expect(try Self.read(String(value)) { try $0.int64() } == value)
            #expect(try Self.read(String(value) + ",") { try $0.int64() } == value)
        }
        for (text, value) in [
            ("-0", 0), ("0", 0), ("9007199254740993", 9_007_199_254_740_993), ("3.0", 3), ("1e3", 1000),
        ] {
            #expect(try Self.read(text) { try $0.int64() } == Int64(value), "\(text)")
        }
        #expect(throws: JSONParseError.self) { try Self.read("2.5") { try $0.int64() } }
    }

    @Test(arguments: [
        ("01", "leading zeros are not allowed"), ("-", "expected a number"), ("1.", "expected digits after '.'"),
        ("-.5", "expected a number"), ("1e", "expected digits in the exponent"),
    ])
    func malformedNumbersAreRefusedAsBefore(text: String, reason: String) {
        for input in [text, text + ","] {
            #expect(throws: JSONParseError.self, "\(input)") { try Self.read(input) { try $0.double() } }
            do {
                _ = try Self.read(input) { try $0.double() }
            } catch {
                let said = (error as? JSONParseError)?.reason ?? "\(error)"
                #expect(said.hasPrefix(reason), "\(input): \(said)")
            }
        }
    }

    @Test func everyDecimalReadsAsStrtodReadsIt() throws {
        var random = SeededRandom(seed: 2026)
        var checked = 0
        for _ in 0..<60_000 {
            let digits = (0..<Int.random(in: 1...20, using: &random)).map { _ in
                String(Int.random(in: 0...9, using: &random))
            }.joined()
            let integer = String(digits.drop { $0 == "0" }).isEmpty ? "0" : String(digits.drop { $0 == "0" })
            let point = Int.random(in: 0...integer.count, using: &random)
            var text = String(integer.prefix(point)).isEmpty ? "0" : String(integer.prefix(point))
            if point < integer.count { text += "." + integer.dropFirst(point) }
            if Bool.random(using: &random) {
                text +=
                    ["e", "E"].randomElement(using: &random)! + ["", "+", "-"].randomElement(using: &random)!
                    + String(Int.random(in: 0...30, using: &random))
            }
            if Bool.random(using: &random) { text = "-" + text }
            let expected = strtod(text, nil)
            guard expected.isFinite else { continue }
            #expect(try Self.scanned(text).bitPattern == expected.bitPattern, "\(text)")
            checked += 1
        }
        #expect(checked > 50_000)
        for text in [
            "-0", "-0.0", "0.1", "1e22", "1e23", "9007199254740993", "9007199254740992.5", "4.35", "1E-22", "0e5",
        ] {
            #expect(try Self.scanned(text).bitPattern == strtod(text, nil).bitPattern, "\(text)")
        }
    }
}

/// Strings are passed over eight bytes at a time: the run ends exactly where a byte-by-byte look ends, wherever
/// the byte that ends it lies in a word.
@Suite struct ScannerStringTests {
    @Test func theWordAtATimeRunEndsWhereTheByteLoopEnds() {
        var random = SeededRandom(seed: 8)
        let specials: [UInt8] = [0x22, 0x5C, 0x00, 0x1F, 0x80, 0xC3, 0xFF]
        for _ in 0..<20_000 {
            var bytes = (0..<Int.random(in: 0...40, using: &random)).map { _ in
                UInt8.random(in: 0x20...0x7E, using: &random)
            }.filter { $0 != 0x22 && $0 != 0x5C }
            for _ in 0..<Int.random(in: 0...2, using: &random) where !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = specials.randomElement(using: &random)!
            }
            let start = bytes.isEmpty ? 0 : Int.random(in: 0...bytes.count, using: &random)
            let expected =
                bytes[start...].firstIndex { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 || $0 >= 0x80 } ?? bytes.count
            bytes.withUnsafeBufferPointer { buffer in
                #expect(JSONScanner(buffer).plainRun(from: start) == expected, "\(bytes) from \(start)")
            }
        }
    }

    @Test func stringsAreReadAndRefusedAsBefore() throws {
        let long = String(repeating: "abcdefgh", count: 5)
        for (text, value) in [
            (#""\#(long)""#, long), (#""\#(long)é\#(long)""#, long + "é" + long), (#""ab\"cd""#, "ab\"cd"),
            (#""\#(long)\n""#, long + "\n"), ("\"\"", ""),
        ] {
            let bytes = Array(text.utf8)
            let read = try bytes.withUnsafeBufferPointer { buffer in
                var scanner = JSONScanner(buffer)
                return try scanner.string()
            }
            #expect(read == value)
            try bytes.withUnsafeBufferPointer { buffer in
                var scanner = JSONScanner(buffer)
                try scanner.skipValue()
                #expect(scanner.atEnd)
            }
        }
        let quote = UInt8(ascii: "\"")
        for (bytes, reason) in [
            ([quote] + Array(long.utf8) + [0x01, quote], "control character"),
            ([quote] + Array(long.utf8), "unterminated string"),
            ([quote] + Array("abcdefgh".utf8) + [0xFF, quote], "string is not valid UTF-8"),
        ] {
            for skipping in [false, true] {
                do throws(JSONParseError) {
                    try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in
                        var scanner = JSONScanner(buffer)
                        if skipping { try scanner.skipValue() } else { _ = try scanner.string() }
                    }
                    Issue.record("\(bytes) was read")
                } catch {
                    #expect(error.reason.hasPrefix(reason), "\(bytes): \(error.reason)")
                }
            }
        }
    }
}
