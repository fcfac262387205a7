import EventLog
import Foundation
import HaasSimulator
import Platform

/// Where a drilled command is SIGKILLed. Both points are events the drill observes, never a delay: the `number`-th
/// progress line starting with `prefix` on the command's stderr, or the `number`-th request on `channel` the
/// simulator has received since it started.
enum KillPoint: CustomStringConvertible {
    case progressLine(prefix: String, number: Int)
    case request(channel: String, number: Int)

    var description: String {
        switch self {
        case .progressLine(let prefix, let number): "progress line \(number) (\(prefix))"
        case .request(let channel, let number): "\(channel) request \(number)"
        }
    }
}

/// How a drilled command ended.
struct KilledRun {
    /// False when the command finished by itself before its kill point came.
    let killed: Bool
    let status: Int32
    /// The log's head read just before the kill: every batch up to it was committed, so it must survive.
    let committed: LogHead?
    let stderr: String
}

/// Runs `haasledger` commands for the drill, with the environment every run shares.
struct DrillCommands {
    let executable: String
    let environment: [String: String]

    /// Runs a command to its end.
    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = makeProcess(arguments)
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Both pipes drain at once, so a command that fills one never blocks on it.
        let stderrText = BackgroundResult { errors.fileHandleForReading.readDataToEndOfFile() }
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = stderrText.wait()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self)
        )
    }

    /// Runs a command and SIGKILLs it at `point`, reading the log's head (`ledger`'s) just before.
    func run(
        _ arguments: [String], killAt point: KillPoint, ledger: String, server: SimulatorServer
    ) async throws -> KilledRun {
        let process = makeProcess(arguments)
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        let committed = Locked<LogHead??>(nil)
        let kill = { @Sendable in
            committed.withLock { if $0 == nil { $0 = .some(try? DrillCommands.head(ledger)) } }
            Foundation.kill(process.processIdentifier, SIGKILL)
        }
        // Made before the child starts, so a child that ends before the request always stops the wait.
        let awaited = Task { () -> ReceivedRequest? in
            guard case .request(let channel, let number) = point else { return nil }
            return await server.request(channel: channel, number: number)
        }
        process.terminationHandler = { _ in awaited.cancel() }
        try process.run()
        let stderr = BackgroundResult { () -> String in
            var text = ""
            var buffer: [UInt8] = []
            var seen = 0
            while true {
                let chunk = errors.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                buffer.append(contentsOf: chunk)
                while let newline = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[..<newline], as: UTF8.self)
                    buffer.removeSubrange(...newline)
                    text += line + "\n"
                    if case .progressLine(let prefix, let number) = point, line.hasPrefix(prefix) {
                        seen += 1
                        if seen == number { kill() }
                    }
                }
            }
            return text + String(decoding: buffer, as: UTF8.self)
        }
        if await awaited.value != nil, process.isRunning { kill() }
        let text = stderr.wait()
        process.waitUntilExit()
        let killed = process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
        return KilledRun(
            killed: killed, status: process.terminationStatus, committed: committed.withLock { $0 ?? nil },
            stderr: text)
    }

    private func makeProcess(_ arguments: [String]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        return process
    }

    /// The head of the ledger's log, or nil while it has none.
    static func head(_ ledger: String) throws -> LogHead? {
        let directory = ledger + "/log"
        guard FileManager.default.fileExists(atPath: directory + "/data.mdb") else { return nil }
        let log = try EventLog.open(directory: directory, options: .init(create: false))
        return try log.read { try $0.head() }
    }

    /// The hash of the event at `position`, or nil when the log does not hold it.
    static func hash(_ ledger: String, at position: UInt64) throws -> SHA256Hash? {
        let log = try EventLog.open(directory: ledger + "/log", options: .init(create: false))
        return try log.read { try $0.event(at: position)?.hash }
    }
}
