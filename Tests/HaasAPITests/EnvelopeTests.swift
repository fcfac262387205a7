@testable import HaasAPI
import JSON
import Testing

/// How replies are read before any value is: the envelope decides, and malformed numbers never read past it.
@Suite struct EnvelopeTests {
    @Test func aRefusedRuntimeCallIsARefusalWhateverItsData() throws {
        for body in [
            #"{"Success":false,"Error":"session expired","Data":""}"#,
            #"{"Data":[1,2],"Error":"no such backtest","Success":false}"#,
        ] {
            let (header, runtime) = try BacktestRuntime.fromEnvelope(Array(body.utf8))
            #expect(!header.success)
            #expect(header.error != nil)
            #expect(runtime == nil)
        }
    }

    @Test func numbersFollowedByAnythingButADelimiterAreRefused() {
        for body in [#"{"Leverage":0x1f}"#, #"{"Leverage":1e5q}"#, #"{"Leverage":12abc"#] {
            #expect(throws: RuntimeDecodingError.self, "\(body)") { try RuntimeDecoder.decode(Array(body.utf8)) }
        }
    }
}
