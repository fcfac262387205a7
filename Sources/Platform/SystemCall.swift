#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed system call: its name, the errno and the system's words for it.
public struct SystemCallError: Error, CustomStringConvertible, Equatable, Sendable {
    public let call: String
    public let errno: Int32

    public var description: String { "\(call): \(String(cString: strerror(errno))) (errno \(errno))" }
}

/// errno and EINTR handled once, as swift-nio's `syscall` wrapper does: `body` is retried while it is
/// interrupted by a signal, and any other failure (a negative result) becomes a `SystemCallError`.
@discardableResult
public func systemCall<Result: BinaryInteger>(_ name: String, _ body: () -> Result) throws(SystemCallError) -> Result {
    while true {
        let result = body()
        if result >= 0 { return result }
        let code = errno
        if code == EINTR { continue }
        throw SystemCallError(call: name, errno: code)
    }
}

/// Writes all of `bytes` to `descriptor`, through short writes and interruptions.
public func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) throws(SystemCallError) {
    var offset = 0
    while offset < bytes.count {
        let written = try systemCall("write") {
            bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
        }
        if written == 0 { throw SystemCallError(call: "write", errno: EIO) }
        offset += written
    }
}

/// Reads from `descriptor` until `count` bytes or the end of the file, whichever comes first, into storage that
/// is not zeroed first (a file's worth of zeros written only to be overwritten cost a tenth of reading it).
public func readUpTo(_ descriptor: Int32, count: Int) throws(SystemCallError) -> [UInt8] {
    guard count > 0 else { return [] }
    var failure: SystemCallError?
    let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        while initialized < count {
            do throws(SystemCallError) {
                let got = try systemCall("read") {
                    read(descriptor, buffer.baseAddress! + initialized, count - initialized)
                }
                if got == 0 { return }
                initialized += got
            } catch {
                failure = error
                return
            }
        }
    }
    if let failure { throw failure }
    return bytes
}

/// Reads up to `buffer.count - offset` bytes from `descriptor` into `buffer` at `offset`; 0 at the end of the file.
public func readSome(_ descriptor: Int32, into buffer: inout [UInt8], at offset: Int = 0) throws(SystemCallError) -> Int
{
    try systemCall("read") {
        buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + offset, $0.count - offset) }
    }
}
