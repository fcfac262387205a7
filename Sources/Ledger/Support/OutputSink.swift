import JSON

#if canImport(Glibc)
    import Glibc
#endif

/// Where a command writes data: standard output, or a file that appears only once it is complete
/// (written to a temporary name, fsynced, then renamed), so an interrupted export never leaves half a file.
public final class OutputSink {
    private let file: UnsafeMutablePointer<FILE>
    private let finalPath: String?
    private let temporaryPath: String?
    private var finished = false

    /// Standard output, or `path` when it is given and not `-`.
    public init(path: String?) throws {
        if let path, path != "-" {
            let temporary = path + ".partial-\(getpid())"
            guard let handle = fopen(temporary, "w") else {
                throw LedgerError.file(path: path, reason: String(cString: strerror(errno)))
            }
            file = handle
            finalPath = path
            temporaryPath = temporary
            PartialFiles.add(temporary)
        } else {
            // A FILE of our own on descriptor 1; commands write all their data through one sink.
            guard let handle = fdopen(STDOUT_FILENO, "w") else {
                throw LedgerError.file(path: "stdout", reason: String(cString: strerror(errno)))
            }
            file = handle
            finalPath = nil
            temporaryPath = nil
        }
    }

    deinit {
        if !finished, let temporaryPath {
            fclose(file)
            unlink(temporaryPath)
            PartialFiles.remove(temporaryPath)
        }
    }

    public func writeLine(_ bytes: [UInt8]) throws {
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count, fputc(0x0A, file) != EOF else {
            throw LedgerError.file(path: finalPath ?? "stdout", reason: String(cString: strerror(errno)))
        }
    }

    public func writeLine(_ text: String) throws { try writeLine(Array(text.utf8)) }

    /// Text without a line end (a line written in pieces).
    public func write(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ fwrite($0.baseAddress, 1, $0.count, file) }) == bytes.count else {
            throw LedgerError.file(path: finalPath ?? "stdout", reason: String(cString: strerror(errno)))
        }
    }

    /// One value as a line of canonical JSON.
    public func writeJSON(_ value: JSONValue) throws { try writeLine(CanonicalJSON.encode(value)) }

    /// Flushes; for a file, syncs it and moves it into place.
    public func finish() throws {
        finished = true
        guard let finalPath, let temporaryPath else {
            fflush(file)
            return
        }
        defer { PartialFiles.remove(temporaryPath) }
        let flushed = fflush(file) == 0 && fsync(fileno(file)) == 0
        let closed = fclose(file) == 0
        guard flushed, closed, rename(temporaryPath, finalPath) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw LedgerError.file(path: finalPath, reason: reason)
        }
    }
}
