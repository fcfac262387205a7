import Foundation
import Platform

/// `simulate --request-log FILE`: one NDJSON line per request that reached the server (endpoint, channel and
/// parameters, credentials left out), so a test or a user can count what the server was asked to do.
public final class RequestLog: Sendable {
    private let descriptor: Locked<Int32>

    /// Creates or truncates `path`.
    public init(path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        self.descriptor = Locked(descriptor)
    }

    deinit { descriptor.withLock { _ = close($0) } }

    static let secrets: Set<String> = ["email", "password", "interfacekey", "userid", "pincode"]

    func record(endpoint: String, parameters: [String: String]) {
        var out = JSONWriter(capacity: 256)
        out.object { out in
            out.field("endpoint", endpoint)
            out.field("channel", parameters["channel"] ?? "")
            out.key("parameters")
            out.object { out in
                for (key, value) in parameters.sorted(by: { $0.key < $1.key })
                where key != "channel" && !RequestLog.secrets.contains(key) {
                    out.field(key, value)
                }
            }
        }
        let line = out.bytes + [0x0A]
        descriptor.withLock { try? writeAll($0, line) }
    }
}
