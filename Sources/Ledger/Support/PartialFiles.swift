import Platform

#if canImport(Glibc)
    import Glibc
#endif

/// Files a command is writing under a temporary name before renaming them into place. Once `removeOnSignals()`
/// is called, SIGINT or SIGTERM removes them and ends the process (exit 130): an interrupted export leaves
/// neither half a file under the name asked for nor a stray temporary one.
public enum PartialFiles {
    private static let paths = Locked<Set<String>>([])
    private static let installed = Locked(false)

    static func add(_ path: String) { paths.withLock { _ = $0.insert(path) } }
    static func remove(_ path: String) { paths.withLock { _ = $0.remove(path) } }

    public static func removeOnSignals() {
        installed.withLock { installed in
            guard !installed else { return }
            installed = true
            SignalSources.install { number in
                let removed = paths.withLock { paths in
                    for path in paths { unlink(path) }
                    return paths.count
                }
                StandardError.write(
                    "\n\(number == SIGTERM ? "SIGTERM" : "Ctrl-C"): stopped; \(removed == 0 ? "nothing was written" : "the file was not written")"
                )
                exit(130)
            }
        }
    }
}
