import Foundation
import Testing

@testable import HaasAPI

/// Request bodies and queries: unreserved ASCII as it is, every other UTF-8 byte as `%XX`, keys in order.
@Suite struct FormEncodingTests {
    @Test func everyByteButTheUnreservedIsEscapedAndComesBackTheSame() {
        #expect(FormEncoding.encode("Az09-._~") == "Az09-._~")
        #expect(FormEncoding.encode("a b&c=d+e%/") == "a%20b%26c%3Dd%2Be%25%2F")
        // Letters beyond ASCII are escaped too, which `.alphanumerics` let through as they were.
        #expect(FormEncoding.encode("Stop Loss é") == "Stop%20Loss%20%C3%A9")
        for text in ["", "ä € 😀", #"{"Period":5,"name":"x y"}"#, "\u{0}\n\t"] {
            #expect(FormEncoding.encode(text).removingPercentEncoding == text, "\(text)")
            #expect(FormEncoding.encode(text).utf8.allSatisfy { $0 < 0x80 && $0 != UInt8(ascii: " ") })
        }
        #expect(FormEncoding.encode(["b": "2 3", "a": "1", "c": ""]) == "a=1&b=2%203&c=")
    }
}
