import Foundation

/// A fresh directory under the system temp dir, removed with everything in it when released.
/// LMDB forbids opening one environment twice per process, so every test gets its own.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init(prefix: String = "haasledger-test") throws {
        var base = NSTemporaryDirectory()
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CocoaError(.fileWriteUnknown)
        }
        path = String(cString: created)
    }

    /// A path inside the directory (not created).
    public func appending(_ component: String) -> String { path + "/" + component }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
