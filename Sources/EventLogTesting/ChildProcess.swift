import Foundation

/// Runs the package's own executables from tests: golden CLI tests and the crash test's writer.
public enum ChildProcess {
    /// What a finished process printed and how it exited.
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// The directory holding the built products: the one the test bundle itself runs from.
    public static var productsDirectory: String {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return (executable as NSString).deletingLastPathComponent
    }

    public static func executable(_ name: String) -> String { productsDirectory + "/" + name }

    /// Runs `name` to completion. Output goes through temporary files, so a chatty child never blocks on a
    /// full pipe.
    public static func run(
        _ name: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
        workingDirectory: String? = nil
    ) throws -> Result {
        try run(
            program: executable(name), arguments, stdin: stdin, environment: environment,
            workingDirectory: workingDirectory)
    }

    /// `run` for any program, by path (a browser, an interpreter).
    public static func run(
        program path: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
        workingDirectory: String? = nil
    ) throws -> Result {
        let scratch = try TemporaryDirectory(prefix: "haasledger-run")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for name in ["HAASLEDGER_PATH", "HAASLEDGER_CLOCK", "HAASLEDGER_FORMULA", "HAASLEDGER_CONFIG"] {
            env[name] = nil
        }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        let inputPath = scratch.appending("stdin")
        let outPath = scratch.appending("stdout")
        let errPath = scratch.appending("stderr")
        _ = FileManager.default.createFile(atPath: inputPath, contents: Data((stdin ?? "").utf8))
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: inputPath))
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        try input.close()
        try output.close()
        try errors.close()
        return Result(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// `run` on a thread of its own, for a child that talks to a server in this process: waiting for it must
    /// not hold one of the few threads (one per core) that the server's tasks and other tests run on.
    public static func runInBackground(
        _ name: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
        workingDirectory: String? = nil
    ) async throws -> Result {
        try await onThreadOfItsOwn {
            try run(name, arguments, stdin: stdin, environment: environment, workingDirectory: workingDirectory)
        }
    }

    /// Waits for a started `process` to end on a thread of its own, for the reason `runInBackground` gives: a
    /// child stopped with a signal still cancels its work on the server in this process before it exits.
    public static func exit(of process: Process) async {
        await onThreadOfItsOwn { process.waitUntilExit() }
    }

    private static func onThreadOfItsOwn<R: Sendable, E: Error>(
        _ body: @escaping @Sendable () throws(E) -> R
    ) async throws(E) -> R {
        let outcome = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: Swift.Result(catching: body)) }.start()
        }
        return try outcome.get()
    }

    /// A running child whose stdout is read line by line, for tests that act on what it reports.
    public final class Streaming {
        public let process = Process()
        private let pipe = Pipe()
        private var buffer: [UInt8] = []

        public init(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws {
            process.executableURL = URL(fileURLWithPath: ChildProcess.executable(name))
            process.arguments = arguments
            if !environment.isEmpty {
                process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            }
            process.standardOutput = pipe
            process.standardError = FileHandle.standardError
            try process.run()
        }

        /// The next line the child printed, or nil once it closed its output. Blocks on the pipe; no polling.
        public func nextLine() -> String? {
            while true {
                if let newline = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[..<newline], as: UTF8.self)
                    buffer.removeSubrange(...newline)
                    return line
                }
                let chunk = pipe.fileHandleForReading.availableData
                if chunk.isEmpty { return nil }
                buffer.append(contentsOf: chunk)
            }
        }

        /// Sends SIGKILL and waits for the child to be gone.
        public func kill() {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
