#if canImport(Glibc)
    import Glibc
#endif

/// A private scratch file: created with a unique name (`mkstemp`, so no existing file or planted link is
/// followed), mode 0600, and unlinked at once, so it lives only as long as its descriptor and vanishes however
/// the process ends.
enum UnlinkedFile {
    /// The descriptor of a new scratch file in `directory`.
    static func create(in directory: String) throws -> Int32 {
        var template = Array((directory + "/.haasledger-scratch-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw LedgerError.file(path: directory, reason: "cannot create a scratch file: \(String(cString: strerror(errno)))")
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return descriptor
    }
}
