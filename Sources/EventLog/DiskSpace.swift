#if canImport(Glibc)
    import Glibc
#endif

/// Free space on the file system holding a path, to tell a full disk from other I/O failures.
public enum DiskSpace {
    /// Bytes an unprivileged writer can still use, or nil when the file system cannot say.
    public static func available(at path: String) -> UInt64? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        return UInt64(stats.f_bavail) * UInt64(stats.f_frsize)
    }

    /// Whether a failed write of `needed` bytes at `path` is explained by the disk being full: less than twice
    /// the need, or under 1 MiB, is left.
    public static func isFull(at path: String, needing needed: UInt64) -> Bool {
        guard let free = available(at: path) else { return false }
        return free < max(needed * 2, 1 << 20)
    }

    /// `812 KB`, `1.4 MB`, `2.1 GB`.
    public static func text(_ bytes: UInt64) -> String {
        let value = Double(bytes)
        if value < 1_000 { return "\(bytes) bytes" }
        if value < 1_000_000 { return "\(Int((value / 1_000).rounded())) KB" }
        if value < 1_000_000_000 { return "\((value / 100_000).rounded() / 10) MB" }
        return "\((value / 100_000_000).rounded() / 10) GB"
    }
}
