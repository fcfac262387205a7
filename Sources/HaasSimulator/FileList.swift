import Foundation

/// Creates files under a root with deterministic modification times.
struct FileList {
    let root: String
    let baseTime: Int64
    var written: [String] = []

    mutating func write(_ relative: String, _ bytes: [UInt8]) throws {
        let path = root + "/" + relative
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        } catch {
            throw PyHaasCacheWriter.WriteError(path: path, reason: error.localizedDescription)
        }
        try touch(relative)
    }

    /// Sets the file's mtime to the base time plus its ordinal, so every file has its own known mtime.
    mutating func touch(_ relative: String) throws {
        let path = root + "/" + relative
        let date = Date(timeIntervalSince1970: TimeInterval(baseTime + Int64(written.count)))
        do {
            try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: path)
        } catch {
            throw PyHaasCacheWriter.WriteError(path: path, reason: error.localizedDescription)
        }
        written.append(path)
    }
}
