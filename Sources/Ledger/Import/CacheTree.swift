import Platform

#if canImport(Glibc)
    import Glibc
#endif

/// Finds the files under the paths given to `haasledger import`, in a stable order, and reads them.
enum CacheTree {
    struct Entry: Equatable, Sendable {
        /// Absolute path.
        let path: String
        let recognised: RecognisedPath?
        /// Named on the command line rather than found in a folder.
        let explicit: Bool
    }

    /// Every regular file under `paths` (folders recursively, sorted by name; symlinked folders are not
    /// followed, so a link loop cannot hang the walk). A path that does not exist is an input error before
    /// anything is read.
    static func entries(_ paths: [String], workingDirectory: String) throws -> [Entry] {
        var entries: [Entry] = []
        var seen = Set<String>()
        for given in paths {
            let path = absolute(given, workingDirectory: workingDirectory)
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw LedgerError.invalidArgument(flag: given, reason: String(cString: strerror(errno)))
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                try walk(path) { file in
                    if seen.insert(file).inserted {
                        entries.append(Entry(path: file, recognised: RecognisedPath.recognise(file), explicit: false))
                    }
                }
            } else if seen.insert(path).inserted {
                entries.append(Entry(path: path, recognised: RecognisedPath.recognise(path), explicit: true))
            }
        }
        return entries
    }

    private static func walk(_ directory: String, _ visit: (String) throws -> Void) throws {
        guard let handle = opendir(directory) else {
            throw LedgerError.file(path: directory, reason: String(cString: strerror(errno)))
        }
        var found: [(name: String, type: UInt8)] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { found.append((name, entry.pointee.d_type)) }
        }
        closedir(handle)
        for (name, type) in found.sorted(by: { $0.name < $1.name }) {
            let path = directory == "/" ? "/" + name : directory + "/" + name
            switch Int(type) {
            // The directory entry names the type on most file systems: no stat per file.
            case Int(DT_REG): try visit(path)
            case Int(DT_DIR): try walk(path, visit)
            default: try visitByStat(path, visit)
            }
        }
    }

    /// A symbolic link (followed to a file, never to a folder), or an entry whose type the file system does
    /// not give (`DT_UNKNOWN`).
    private static func visitByStat(_ path: String, _ visit: (String) throws -> Void) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: try walk(path, visit)
        case S_IFREG: try visit(path)
        case S_IFLNK:
            var target = stat()
            if stat(path, &target) == 0, (target.st_mode & S_IFMT) == S_IFREG { try visit(path) }
        default: return
        }
    }

    static func absolute(_ path: String, workingDirectory: String) -> String {
        var full = path.hasPrefix("/") ? path : workingDirectory + "/" + path
        var parts: [Substring] = []
        for part in full.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        full = "/" + parts.joined(separator: "/")
        return full
    }

    /// Reads a whole file with its modification time (µs).
    static func read(_ path: String) throws(CacheFileProblem) -> (bytes: [UInt8], modifiedAt: Int64) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw CacheFileProblem(nil, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw CacheFileProblem(nil, "cannot stat: \(String(cString: strerror(errno)))")
        }
        let modifiedAt = Int64(info.st_mtim.tv_sec) * 1_000_000 + Int64(info.st_mtim.tv_nsec) / 1_000
        do {
            return (try readUpTo(descriptor, count: Int(info.st_size)), modifiedAt)
        } catch {
            throw CacheFileProblem(nil, "cannot read: \(String(cString: strerror(error.errno)))")
        }
    }
}
