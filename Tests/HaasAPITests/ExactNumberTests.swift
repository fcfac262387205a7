@testable import HaasAPI
import JSON
import Testing

/// A value fetched from the server and the same value imported from a file must canonicalise to the same
/// bytes: both are scanned by the one JSON layer, and no number passes through a `Double` on the way.
@Suite struct ExactNumberTests {
    static let parameters = #"{"Fast": 1.50, "Slow": 12345678901234567890123, "Tiny": 1E-7, "Neg": -0, "List": [10.0, 2.5e2]}"#

    @Test func fetchedParametersCanonicaliseLikeTheSameTextFromAFile() throws {
        let body = #"{"Success":true,"Error":"","Data":{"I":[{"BID":"b1","P":"# + Self.parameters
            + #","SE":{"Leverage":20.000}}],"NP":-1}}"#
        let (header, page) = try BacktestResultPage.fromEnvelope(Array(body.utf8))
        #expect(header.success)
        let record = try #require(page?.items.first)
        let fetched = CanonicalJSON.encode(try #require(record.parameters))
        let fromFile = try CanonicalJSON.canonicalize(Array(Self.parameters.utf8))
        #expect(fetched == fromFile)
        #expect(String(decoding: fetched, as: UTF8.self).contains("12345678901234567890123"))
        #expect(CanonicalJSON.string(try #require(record.settings)) == #"{"Leverage":20}"#)
    }

    @Test func labDetailsKeepTheirNumbersExactlyToo() throws {
        let body = #"{"Success":true,"Error":"","Data":{"LID":"L","P":"# + Self.parameters + #"}}"#
        let (_, lab) = try LabRecord.fromEnvelope(Array(body.utf8))
        #expect(
            CanonicalJSON.encode(try #require(lab?.parameters))
                == (try CanonicalJSON.canonicalize(Array(Self.parameters.utf8))))
    }
}
