import Foundation
import Hummingbird
import Logging
import NIOCore

/// A HaasOnline-compatible HTTP server for the demo, the tests and the benchmarks.
public final class SimulatorServer: Sendable {
    public let world: SimulatedWorld
    /// The port it listens on (the one the system chose when started with port 0).
    public let port: Int
    private let task: Task<Void, any Error>
    private let state: SimulatorState
    let received: ReceivedRequests

    private init(
        world: SimulatedWorld, port: Int, task: Task<Void, any Error>, state: SimulatorState, received: ReceivedRequests
    ) {
        self.world = world
        self.port = port
        self.task = task
        self.state = state
        self.received = received
    }

    /// The interface keys clients have logged in with (tests check that none was recorded).
    public var interfaceKeys: [String] { state.interfaceKeys }

    /// Starts listening on `host:port` (port 0 picks a free one) and returns once connections are accepted.
    public static func start(
        configuration: SimulatorConfiguration, host: String = "127.0.0.1", port: Int = 0, requestLog: RequestLog? = nil
    ) async throws -> SimulatorServer {
        let world = SimulatedWorld(configuration: configuration)
        let state = SimulatorState()
        let responder = SimulatorResponder(world: world, state: state)
        let received = ReceivedRequests()
        let router = Router()
        router.on("**", method: .get) { request, _ in try await handle(request, responder, requestLog, received) }
        router.on("**", method: .post) { request, _ in try await handle(request, responder, requestLog, received) }
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "haasledger.simulator")
        logger.logLevel = .critical  // cancelling the server on stop is normal, not an error
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "HaasLedger-Simulator"),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? port)
                portContinuation.finish()
            },
            logger: logger)
        // A server that cannot bind ends at once: the stream finishes then too, so start never waits forever.
        let task = Task {
            defer { portContinuation.finish() }
            try await application.run()
        }
        var iterator = portStream.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            task.cancel()
            let reason: String =
                switch await task.result {
                case .failure(let error): String(describing: error)
                case .success: "the server stopped before it listened"
                }
            throw SimulatorError.couldNotStart(host: host, port: port, reason: reason)
        }
        return SimulatorServer(world: world, port: bound, task: task, state: state, received: received)
    }

    /// Runs until the surrounding task is cancelled (for `haasledger simulate`).
    public func waitUntilStopped() async throws {
        try await withTaskCancellationHandler {
            _ = try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    public func stop() async {
        received.stop()
        task.cancel()
        _ = try? await task.value
    }

    private static func handle(
        _ request: Request, _ responder: SimulatorResponder, _ requestLog: RequestLog?, _ received: ReceivedRequests
    ) async throws -> Response {
        var parameters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { parameters[String(key)] = String(value) }
        if request.method == .post {
            var request = request
            let body = try await request.collectBody(upTo: 16 << 20)
            for (key, value) in FormDecoding.decode(String(buffer: body)) { parameters[key] = value }
        }
        requestLog?.record(endpoint: request.uri.path, parameters: parameters)
        received.note(endpoint: request.uri.path, parameters: parameters)
        let reply = await responder.respond(path: request.uri.path, parameters: parameters)
        return Response(
            status: HTTPResponse.Status(code: reply.status),
            headers: [.contentType: reply.contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}

public enum SimulatorError: Error, CustomStringConvertible {
    case couldNotStart(host: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case let .couldNotStart(host, port, reason): return "cannot listen on \(host):\(port): \(reason)"
        }
    }
}

/// `application/x-www-form-urlencoded` bodies.
enum FormDecoding {
    static func decode(_ body: String) -> [(String, String)] {
        body.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = parts.first.flatMap({ unescape(String($0)) }) else { return nil }
            return (key, parts.count > 1 ? unescape(String(parts[1])) ?? "" : "")
        }
    }

    private static func unescape(_ text: String) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
