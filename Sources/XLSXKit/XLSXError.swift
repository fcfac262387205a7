import CXlsxWriter

/// A libxlsxwriter failure: its code, its own words for it, and what was being done.
public struct XLSXError: Error, Equatable, Sendable, CustomStringConvertible {
    public let code: Int32
    public let message: String
    public let context: String

    init(_ code: lxw_error, context: String) {
        self.code = Int32(code.rawValue)
        self.message = lxw_strerror(code).map { String(cString: $0) } ?? "error \(code.rawValue)"
        self.context = context
    }

    init(message: String, context: String) {
        self.code = -1
        self.message = message
        self.context = context
    }

    public var description: String { "\(context): \(message)" }

    /// Throws for any code but success.
    static func check(_ code: lxw_error, _ context: @autoclosure () -> String) throws(XLSXError) {
        guard code != LXW_NO_ERROR else { return }
        throw XLSXError(code, context: context())
    }
}
