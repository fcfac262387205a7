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
/// input, pipes and FIFOs are copied to a scratch file in `spoolDirectory` first: they can be read only once.
final class LineFile: LineInput {
    let name: String
    private let descriptor: Int32
    private static let chunk = 1 << 20

    init(path: String?, spoolDirectory: String) throws {
        var source = STDIN_FILENO
        name = path.flatMap { $0 == "-" ? nil : $0 } ?? "stdin"
        if name != "stdin" {
            source = open(name, O_RDONLY | O_CLOEXEC)
            guard source >= 0 else {
                throw LedgerError.unreadableInput(path: name, reason: String(cString: strerror(errno)))
            }
            var info = stat()
            if fstat(source, &info) == 0, info.st_mode & S_IFMT == S_IFREG {
                descriptor = source
                return
            }
        }
        // Standard input, a pipe or a FIFO can be read only once: copied to a scratch file first.
        defer { if source != STDIN_FILENO { close(source) } }
        descriptor = try UnlinkedFile.create(in: spoolDirectory)
        var buffer = [UInt8](repeating: 0, count: Self.chunk)
        do {
            while true {
                let count = try readSome(source, into: &buffer)
                if count == 0 { break }
                try writeAll(descriptor, Array(buffer[0..<count]))
            }
        } catch {
            close(descriptor)
            throw LedgerError.file(path: name, reason: error.description)
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
