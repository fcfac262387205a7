import Platform

#if canImport(Glibc)
    import Glibc
#endif

/// The few POSIX file operations the log needs, with errno turned into `EventLogError.io`.
enum FileSystem {
    /// Creates `path` and missing parents as private folders (0700): a ledger holds account ids and server replies.
    static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component + "/"
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw EventLogError.io(path: prefix, operation: "mkdir", errno: errno)
            }
        }
    }

    static func canonicalPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The whole text of a small file read to its end (files under /proc report no size), or nil.
    static func text(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            guard let count = try? readSome(descriptor, into: &chunk) else { return nil }
            if count == 0 { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    /// `owner uid 0, mode 0700` of the nearest part of `path` that can be looked at, for permission messages.
    static func ownerAndMode(_ path: String) -> String {
        var candidate = path
        while !candidate.isEmpty {
            var info = stat()
            if stat(candidate, &info) == 0 {
                let mode = String(info.st_mode & 0o777, radix: 8)
                let name = candidate == path ? "" : "\(candidate): "
                return "\(name)owner uid \(info.st_uid), mode 0\(mode); this user is uid \(getuid())"
            }
            guard let slash = candidate.lastIndex(of: "/") else { break }
            candidate = String(candidate[..<slash])
        }
        return "this user is uid \(getuid())"
    }

    static func removeFile(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT {
            throw EventLogError.io(path: path, operation: "unlink", errno: errno)
        }
    }

    static func removeDirectory(_ path: String) throws {
        if rmdir(path) != 0 && errno != ENOENT {
            throw EventLogError.io(path: path, operation: "rmdir", errno: errno)
        }
    }

    static func rename(_ from: String, to: String) throws {
        if Glibc.rename(from, to) != 0 {
            throw EventLogError.io(path: from, operation: "rename to \(to)", errno: errno)
        }
    }

    /// fsyncs a directory so a rename inside it survives a crash.
    static func syncDirectory(_ path: String) {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
