import EventLogTesting
import Foundation
import Testing

/// A ledger this user may read but not write (issue 15 #8): read commands open the log read-only and keep
/// their read models in a private cache; recording commands say the ledger is read-only. As root, permissions
/// do not stop anything, so the ledger is copied onto a tmpfs remounted read-only; otherwise its modes are
/// taken away. Skipped, with the reason, where neither works.
extension CLITests {
    static func shell(_ command: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command + " >/dev/null 2>&1"]
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    static let canMakeReadOnly: Bool = {
        guard getuid() == 0 else { return true }
        guard let probe = try? TemporaryDirectory(prefix: "haasledger-ro-probe") else { return false }
        guard shell("mount -t tmpfs -o size=1m tmpfs \(probe.path)") else { return false }
        return shell("umount \(probe.path)")
    }()

    @Test(.enabled(if: canMakeReadOnly, "needs a non-root user, or root with mount -t tmpfs"))
    func readCommandsWorkOnAReadOnlyLedger() throws {
        try seeded()
        #expect(try run(["query", "cache", "--ledger", ledger]).status == 0)  // read models beside the log
        let place = directory.appending("readonly")
        let copy = place + "/ledger"
        try FileManager.default.createDirectory(atPath: place, withIntermediateDirectories: true)
        let root = getuid() == 0
        if root { #expect(Self.shell("mount -t tmpfs -o size=16m tmpfs \(place)")) }
        defer {
            if root { _ = Self.shell("umount \(place)") } else { _ = Self.shell("chmod -R u+w \(place)") }
        }
        #expect(Self.shell("cp -a \(ledger) \(copy)"))
        #expect(Self.shell(root ? "mount -o remount,ro \(place)" : "chmod -R a-w \(copy)"))
        let cache = ["XDG_CACHE_HOME": directory.appending("cache")]
        let stats = try run(["log", "stats", "--ledger", copy], environment: cache)
        #expect(stats.status == 0, "\(stats.stderr)")
        let verified = try run(["log", "verify", "--ledger", copy], environment: cache)
        #expect(verified.status == 0 && verified.stdout.contains("events checked: 3"), "\(verified.stderr)")
        let original = try run(["query", "labs", "--ledger", ledger, "--format", "csv"])
        let answered = try run(["query", "labs", "--ledger", copy, "--format", "csv"], environment: cache)
        #expect(answered.status == original.status)
        #expect(answered.stdout == original.stdout, "\(answered.stderr)")
        let cached = try FileManager.default.contentsOfDirectory(atPath: directory.appending("cache/haasledger"))
        #expect(cached.contains { $0.hasPrefix("readmodels-") && $0.hasSuffix(".sqlite") }, "\(cached)")
        let append = try run(["log", "append", "--ledger", copy], stdin: CLITests.input, environment: cache)
        #expect(append.status != 0)
        #expect(append.stderr.contains(copy) && append.stderr.contains("is read-only"), "\(append.stderr)")
        // Any recording command says the same, not which file it could not open.
        let recompute = try run(["metrics", "recompute", "--ledger", copy], environment: cache)
        #expect(recompute.status != 0)
        #expect(recompute.stderr.contains("is read-only for this user"), "\(recompute.stderr)")
        #expect(try run(["log", "stats", "--ledger", copy], environment: cache).stdout == stats.stdout)
    }

    /// Read models built from more of the log than it now holds (an older copy restored over it) are not served:
    /// the command says so and exits 3, and `project rebuild` makes them match again.
    @Test func readModelsAheadOfTheLogAreRefusedUntilRebuilt() throws {
        try seeded()
        #expect(try run(["query", "labs", "--ledger", ledger]).status == 0)
        let shorter = directory.appending("shorter")
        let first = String(CLITests.input.split(separator: "\n")[0]) + "\n"
        #expect(try run(["log", "append", "--ledger", shorter], stdin: first).status == 0)
        try FileManager.default.removeItem(atPath: ledger + "/log")
        try FileManager.default.moveItem(atPath: shorter + "/log", toPath: ledger + "/log")
        let refused = try run(["query", "labs", "--ledger", ledger])
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("built from 3 events, but the log holds only 1"), "\(refused.stderr)")
        #expect(refused.stderr.contains("project rebuild"))
        #expect(try run(["project", "rebuild", "--ledger", ledger]).status == 0)
        let answered = try run(["query", "labs", "--ledger", ledger, "--format", "csv"])
        #expect(answered.status == 0, "\(answered.stderr)")
        #expect(!answered.stderr.contains("read models"), "rebuilt, they match: \(answered.stderr)")
    }
}
