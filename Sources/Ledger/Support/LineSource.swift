import Platform
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// Input named on the command line: a file path, or `-` for standard input.
public struct LineSource: Sendable {
    /// "stdin" or the path, used in every error message about the input.
    public let name: String
    public let bytes: [UInt8]

    /// Reads all of `path` (or standard input for `-` or nil).
    public static func read(_ path: String?) throws -> LineSource {
        if path == nil || path == "-" {
            return LineSource(name: "stdin", bytes: readAll(fd: STDIN_FILENO))
        }
        guard let path else { fatalError("unreachable") }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw LedgerError.unreadableInput(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        return LineSource(name: path, bytes: readAll(fd: fd))
    }

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }

    /// The lines with their 1-based numbers, without line terminators (`\n` or `\r\n`).
    public var lines: [(number: Int, bytes: [UInt8])] {
        var result: [(number: Int, bytes: [UInt8])] = []
        var number = 0
        for slice in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            var line = Array(slice)
            if line.last == 0x0D { line.removeLast() }
            result.append((number, line))
        }
        if result.last?.bytes.isEmpty == true { result.removeLast() }
        return result
    }

    private static func readAll(fd: Int32) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while let count = try? readSome(fd, into: &chunk), count > 0 {
            result.append(contentsOf: chunk[0..<count])
        }
        return result
    }
}
