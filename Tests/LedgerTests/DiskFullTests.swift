import EventLog
import EventLogTesting
import Foundation
import JSON
import Ledger
import Testing

/// A full disk is named as one (issue 15 #11), on a small tmpfs mounted for the test (needs root and
/// `mount`; skipped, with the reason, where they are missing).
@Suite(.serialized) struct DiskFullTests {
    static func mount(_ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", (arguments.joined(separator: " ")) + " 2>/dev/null"]
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Whether a tmpfs can be mounted here (tried once, and unmounted again).
    static let canMountTmpfs: Bool = {
        guard getuid() == 0, let probe = try? TemporaryDirectory(prefix: "haasledger-tmpfs-probe") else { return false }
        guard mount(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", probe.path]) else { return false }
        return mount(["umount", probe.path])
    }()

    @Test(.enabled(if: canMountTmpfs, "needs root and mount -t tmpfs to make a small disk"))
    func aFullDiskIsNamedAndTheLogStaysIntact() throws {
        let directory = try TemporaryDirectory(prefix: "haasledger-full")
        #expect(Self.mount(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", directory.path]))
        defer { _ = Self.mount(["umount", directory.path]) }
        let log = try EventLog.open(directory: directory.appending("log"))
        var random = SeededRandom(seed: 5)
        var appended = 0
        var failure: (any Error)?
        for batch in 0..<40 {
            let drafts = (0..<4).map { index in
                EventDraft(
                    stream: "s:\(batch)", type: "t", payload: Payload(.object([("i", .number(index))])),
                    blobs: [Blob((0..<40_000).map { _ in UInt8(truncatingIfNeeded: random.next()) })])
            }
            do {
                appended += try log.append(drafts).count
            } catch {
                failure = error
                break
            }
        }
        guard case EventLogError.diskFull(let path, _, let batchBytes)? = failure else {
            Issue.record("expected diskFull, got \(String(describing: failure))")
            return
        }
        #expect(path == directory.appending("log") && batchBytes >= 160_000)
        #expect("\(failure!)".hasPrefix("the disk holding \(directory.appending("log")) is full ("))
        let report = try log.verify()
        #expect(report.isValid && report.eventsChecked == UInt64(appended), "every committed batch, nothing else")
    }

    /// The read models on a full disk (the log filled it): a read command names the full disk, not SQLite's
    /// error 13 in a CREATE TABLE.
    @Test(.enabled(if: canMountTmpfs, "needs root and mount -t tmpfs to make a small disk"))
    func readModelsOnAFullDiskSayTheDiskIsFull() throws {
        let directory = try TemporaryDirectory(prefix: "haasledger-full-read")
        #expect(Self.mount(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", directory.path]))
        defer { _ = Self.mount(["umount", directory.path]) }
        let location = LedgerLocation(root: directory.appending("ledger"))
        do {
            let log = try location.openLog(create: true)
            var random = SeededRandom(seed: 6)
            for batch in 0..<40 {
                let blob = Blob((0..<40_000).map { _ in UInt8(truncatingIfNeeded: random.next()) })
                do {
                    try log.append(
                        EventDraft(stream: "s:\(batch)", type: "t", payload: Payload(.object([])), blobs: [blob]))
                } catch {
                    break
                }
            }
        }
        let error = #expect(throws: LedgerError.self) { try ReadModelService(location: location).labs(at: .now) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("the disk is full"), "\(String(describing: error))")
    }
}
