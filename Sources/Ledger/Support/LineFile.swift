import Platform

#if canImport(Glibc)
    import Glibc
#endif

/// Input that can be read line by line, more than once.
protocol LineInput {
    /// "stdin" or the path, used in every error message about the input.
    var name: String { get }
    /// Calls `body` with each line (1-based number, bytes without the terminator) from the first.
    func forEachLine(_ body: (_ number: Int, _ bytes: [UInt8]) throws -> Void) throws
}

extension LineSource: LineInput {
    func forEachLine(_ body: (Int, [UInt8]) throws -> Void) throws {
        for line in lines { try body(line.number, line.bytes) }
    }
}

/// A file (or standard input) read in chunks, so an input of any size is read in bounded memory. Standard
/// input is copied to an unlinked file in `spoolDirectory` first, because it can be read only once.
final class LineFile: LineInput {
    let name: String
    private let descriptor: Int32
    private static let chunk = 1 << 20

    init(path: String?, spoolDirectory: String) throws {
        if let path, path != "-" {
            name = path
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw LedgerError.file(path: path, reason: String(cString: strerror(errno))) }
            return
        }
        name = "stdin"
        let spool = spoolDirectory + "/.stdin-\(getpid()).ndjson"
        descriptor = open(spool, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw LedgerError.file(path: spool, reason: String(cString: strerror(errno))) }
        // Unlinked at once: the copy lives as long as the descriptor, and vanishes however the process ends.
        unlink(spool)
        var buffer = [UInt8](repeating: 0, count: Self.chunk)
        do {
            while true {
                let count = try readSome(STDIN_FILENO, into: &buffer)
                if count == 0 { break }
                try writeAll(descriptor, Array(buffer[0..<count]))
            }
        } catch {
            throw LedgerError.file(path: spool, reason: error.description)
        }
    }

    deinit { close(descriptor) }

    func forEachLine(_ body: (Int, [UInt8]) throws -> Void) throws {
        guard lseek(descriptor, 0, SEEK_SET) == 0 else {
            throw LedgerError.file(path: name, reason: String(cString: strerror(errno)))
        }
        var buffer = [UInt8](repeating: 0, count: Self.chunk)
        var carry: [UInt8] = []
        var number = 0
        func emit(_ line: ArraySlice<UInt8>) throws {
            number += 1
            var bytes = Array(line)
            if bytes.last == 0x0D { bytes.removeLast() }
            try body(number, bytes)
        }
        while true {
            let count: Int
            do { count = try readSome(descriptor, into: &buffer) } catch {
                throw LedgerError.file(path: name, reason: error.description)
            }
            if count == 0 { break }
            var start = 0
            while let newline = buffer[start..<count].firstIndex(of: 0x0A) {
                if carry.isEmpty {
                    try emit(buffer[start..<newline])
                } else {
                    carry.append(contentsOf: buffer[start..<newline])
                    try emit(carry[...])
                    carry.removeAll(keepingCapacity: true)
                }
                start = newline + 1
            }
            carry.append(contentsOf: buffer[start..<count])
        }
        if !carry.isEmpty { try emit(carry[...]) }
    }
}
