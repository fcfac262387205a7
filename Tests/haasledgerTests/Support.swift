import EventLogTesting
import Foundation
import HaasSimulator

/// The simulator helper shipped with HaasSimulator, under the name these tests use.
func withRunningSimulator<R>(
    _ configuration: SimulatorConfiguration = SimulatorConfiguration(),
    _ body: (SimulatorServer) async throws -> R
) async throws -> R {
    try await SimulatorServer.withRunning(configuration, body)
}

/// Runs `haasledger` with `arguments`, sends it `signal` once `server` has received its `number`-th `channel`
/// request in all (no sleeping: the request is awaited), and returns how it ended; a child that ends before
/// that request ends the wait, and gets no signal. The child is killed if the test fails first.
func interruptedRun(
    _ arguments: [String], environment: [String: String], server: SimulatorServer, after channel: String,
    number: Int = 1, signal: Int32 = SIGINT
) async throws -> (status: Int32, stderr: String, request: ReceivedRequest?) {
    let child = Process()
    child.executableURL = URL(fileURLWithPath: ChildProcess.executable("haasledger"))
    child.arguments = arguments
    child.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let stderr = Pipe()
    child.standardError = stderr
    child.standardOutput = FileHandle.nullDevice
    // Made before the child starts, so a child that ends before asking always stops the wait.
    let awaited = Task { await server.request(channel: channel, number: number) }
    child.terminationHandler = { _ in awaited.cancel() }
    try child.run()
    defer { if child.isRunning { kill(child.processIdentifier, SIGKILL) } }
    let request = await awaited.value
    if request != nil { kill(child.processIdentifier, signal) }
    await ChildProcess.exit(of: child)
    let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return (child.terminationStatus, message, request)
}
