import Crypto
import Foundation

extension Digest {
    var hexString: String { map { String(format: "%02x", $0) }.joined() }
}
