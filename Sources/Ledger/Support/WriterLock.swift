import EventLog
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The one writer of a ledger. Recording commands hold an exclusive `flock` on `<ledger>/writer.lock` for their
/// whole run, so two of them never interleave their work (each would fetch what the other is fetching, and
/// count the other's events as its own); a second one waits, saying so on stderr, or with `--no-wait` fails at
/// once. The kernel releases the lock however the holder ends, kill -9 included, so it is never stale.
public final class WriterLock: Sendable {
    /// How a command waits for the ledger's writer.
    public enum Policy: Sendable {
        /// Wait, announcing once who holds the lock.
        case wait(announce: @Sendable (String) -> Void)
        /// Fail at once with `LedgerError.ledgerBusy`.
        case failAtOnce

        public static let waitOnStandardError = Policy.wait(announce: { StandardError.write($0) })
    }

    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// Unlocks before closing: a child process another thread starts at that moment holds a copy of this
    /// descriptor until it execs, and `close` alone would leave the lock held by that copy, so the next
    /// writer in this process would find the ledger busy.
    deinit {
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    public static func path(ledgerRoot: String) -> String { ledgerRoot + "/writer.lock" }

    /// Takes the lock for `command`, creating the ledger folder (0700) when needed.
    public static func acquire(_ location: LedgerLocation, command: String, policy: Policy) throws -> WriterLock {
        let path = Self.path(ledgerRoot: location.root)
        do {
            try FileManager.default.createDirectory(
                atPath: location.root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw LedgerError.file(
                path: location.root, reason: "cannot create the ledger folder: \(error.localizedDescription)")
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            // An existing ledger this user may read but not write: say that, not which file failed to open.
            if errno == EACCES || errno == EROFS || errno == EPERM,
                FileManager.default.fileExists(atPath: location.logDirectory)
            {
                throw EventLogError.readOnly(path: location.root)
            }
            throw LedgerError.file(
                path: path, reason: "cannot open the writer lock: \(String(cString: strerror(errno)))")
        }
        let lock = WriterLock(descriptor: descriptor)
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK else {
                throw LedgerError.file(path: path, reason: "cannot lock: \(String(cString: strerror(errno)))")
            }
            let holder = lock.holder()
            switch policy {
            case .failAtOnce:
                throw LedgerError.ledgerBusy(path: location.root, holder: holder)
            case .wait(let announce):
                announce("waiting for another haasledger writing to \(location.root) (\(holder)) to finish…")
                while flock(descriptor, LOCK_EX) != 0 {
                    guard errno == EINTR else {
                        throw LedgerError.file(path: path, reason: "cannot lock: \(String(cString: strerror(errno)))")
                    }
                }
            }
        }
        lock.record(command)
        return lock
    }

    /// Who holds the lock, as its holder wrote it: `pid 123, fetch since 2026-12-02T10:00:00Z`.
    private func holder() -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = pread(descriptor, &buffer, buffer.count, 0)
        let text = count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : ""
        let line = text.split(separator: "\n").first.map(String.init) ?? ""
        return line.isEmpty ? "holder unknown" : line
    }

    /// Writes who holds the lock, for the message a waiting command prints.
    private func record(_ command: String) {
        let since = ISO8601DateFormatter().string(from: Date())
        let line = Array("pid \(getpid()), \(command) since \(since)\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = line.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }
}
