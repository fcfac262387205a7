import AsyncHTTPClient
import Foundation
import JSON
import NIOCore
import NIOHTTP1
import Platform

/// What a successful call returns: the decoded payload and the body it came from (credentials redacted).
public struct HaasReply<Value: Sendable>: Sendable {
    public let value: Value
    public let body: [UInt8]
    /// How many credential strings the body had replaced: none means `value` was read from these very bytes.
    let redactions: Int

    init(value: Value, body: [UInt8], redactions: Int = 0) {
        self.value = value
        self.body = body
        self.redactions = redactions
    }
}

/// A HaasOnline Trade Server client. Every HTTP attempt is reported to the observer, failures included.
public final class HaasClient: Sendable {
    public let configuration: HaasClientConfiguration
    private let http: HTTPClient
    private let observer: any HaasExchangeObserver
    private let limiter: ConcurrencyLimiter
    private let session = SessionStore()
    private let redactor: Locked<Redactor>

    public init(configuration: HaasClientConfiguration, observer: any HaasExchangeObserver) {
        self.configuration = configuration
        self.observer = observer
        limiter = ConcurrencyLimiter(limit: configuration.concurrency)
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.concurrency)
        httpConfiguration.timeout = .init(
            connect: .seconds(max(1, min(10, configuration.shortTimeout.components.seconds))))
        // The pool would otherwise retry a refused connection quietly until the connect timeout, for every
        // attempt; the retry loop here decides, and says so.
        httpConfiguration.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        redactor = Locked(Redactor(secrets: [configuration.credentials.email, configuration.credentials.password]))
    }

    /// Closes connections. Call once when done.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    // MARK: Channels

    public func labs() async throws -> HaasReply<[LabRecord]> {
        try await call(.labs, "GET_LABS", [:], subject: (nil, nil))
    }

    /// Every script of the account (`GET_ALL_SCRIPT_ITEMS`), without sources.
    public func scripts() async throws -> HaasReply<[ScriptRecord]> {
        try await call(.haasScript, "GET_ALL_SCRIPT_ITEMS", [:], subject: (nil, nil))
    }

    /// One script with its source and compile result (`GET_SCRIPT_RECORD`).
    public func scriptRecord(scriptID: String) async throws -> HaasReply<ScriptRecord> {
        try await call(.haasScript, "GET_SCRIPT_RECORD", ["scriptid": scriptID], subject: (nil, nil))
    }

    /// A debug run of a script (`EXECUTE_DEBUGTEST`): its log lines. `settings` is the HaasScriptSettings JSON
    /// (haas-api.md §3.4), sent in a form body.
    public func debugTest(scriptID: String, scriptType: Int = 0, settings: String = "{}") async throws
        -> HaasReply<[String]>
    {
        try await call(
            .backtest, "EXECUTE_DEBUGTEST",
            ["scriptid": scriptID, "scripttype": String(scriptType), "settings": settings], subject: (nil, nil))
    }

    public func labDetails(labID: String) async throws -> HaasReply<LabRecord> {
        try await call(.labs, "GET_LAB_DETAILS", ["labid": labID], subject: (labID, nil))
    }

    public func backtestResultPage(labID: String, nextPageID: Int, pageLength: Int) async throws
        -> HaasReply<BacktestResultPage>
    {
        try await call(
            .labs, "GET_BACKTEST_RESULT_PAGE",
            ["labid": labID, "nextpageid": String(nextPageID), "pagelength": String(pageLength)],
            subject: (labID, nil))
    }

    public func backtestRuntime(labID: String, backtestID: String) async throws -> HaasReply<BacktestRuntime> {
        try await call(
            .labs, "GET_BACKTEST_RUNTIME", ["labid": labID, "backtestid": backtestID], subject: (labID, backtestID))
    }

    /// The backtest's log lines; opt-in because the server is slow to build them (504s are common).
    public func backtestLog(labID: String, backtestID: String) async throws -> HaasReply<JSONValue> {
        try await call(
            .labs, "GET_BACKTEST_LOG", ["labid": labID, "backtestid": backtestID], subject: (labID, backtestID),
            long: true)
    }

    /// The backtest's chart (often 0.5–0.8 MB); opt-in. Only the envelope is checked; the body is kept as is.
    public func backtestChart(labID: String, backtestID: String) async throws -> HaasReply<JSONValue> {
        try await call(
            .labs, "GET_BACKTEST_CHART", ["labid": labID, "backtestid": backtestID], subject: (labID, backtestID),
            long: true)
    }

    public func labExecutionUpdate(labID: String) async throws -> HaasReply<LabExecutionUpdate> {
        try await call(.labs, "GET_LAB_EXECUTION_UPDATE", ["labid": labID], subject: (labID, nil))
    }

    public func historyStatus() async throws -> HaasReply<[String: HistoryStatusEntry]> {
        try await call(.setup, "GET_HISTORY_STATUS", [:], subject: (nil, nil))
    }

    // MARK: Login

    /// Logs in (two steps) unless a session is already established.
    public func login() async throws {
        _ = try await session.credentials { try await self.performLogin() }
    }

    private func performLogin() async throws -> Session {
        // The server never issues the interface key: the client invents one (haas-api.md §1.4).
        let key = (0..<10).map { _ in String(Int.random(in: 0...100)) }.joined()
        redactor.withLock {
            $0 = Redactor(secrets: [configuration.credentials.email, configuration.credentials.password, key])
        }
        let credentials = configuration.credentials
        do {
            let _: (IgnoredData?, [UInt8], Int) = try await exchange(
                .user, "LOGIN_WITH_CREDENTIALS",
                ["email": credentials.email, "password": credentials.password, "interfacekey": key],
                subject: (nil, nil), timeout: configuration.shortTimeout, keepBody: false)
            let pin = String(Int.random(in: 100_000...999_999))
            let (result, _, _): (LoginResult?, [UInt8], Int) = try await exchange(
                .user, "LOGIN_WITH_ONE_TIME_CODE", ["email": credentials.email, "pincode": pin, "interfacekey": key],
                subject: (nil, nil), timeout: configuration.shortTimeout, keepBody: false)
            guard let userID = result?.details.userID else {
                throw HaasAPIError.loginFailed(step: "LOGIN_WITH_ONE_TIME_CODE", message: "no user id in the reply")
            }
            redactor.withLock {
                $0 = Redactor(secrets: [credentials.email, credentials.password, key, userID])
            }
            return Session(userID: userID, interfaceKey: key)
        } catch let error as HaasAPIError {
            switch error {
            case .loginFailed: throw error
            case let .serverRefused(channel, message): throw HaasAPIError.loginFailed(step: channel, message: message)
            default: throw HaasAPIError.loginFailed(step: error.channel ?? "login", message: error.detail)
            }
        }
    }

    // MARK: Calls

    /// An authenticated call with retries. A refusal that looks like an expired session triggers a fresh login
    /// and one more try; a call gives up after `maxRelogins` of those, so a server that refuses every session
    /// fails the call instead of looping. (With calls in flight, one call can meet two expiries.)
    ///
    /// `retrying: false` is for calls that start something on the server: a failure is thrown after one
    /// attempt, for the caller to find out what happened before it tries again.
    func call<Value: WireReply & Sendable>(
        _ endpoint: HaasEndpoint, _ channel: String, _ parameters: [String: String],
        subject: (lab: String?, backtest: String?), long: Bool = false, retrying: Bool = true
    ) async throws -> HaasReply<Value> {
        var relogins = 0
        while true {
            let current = try await session.credentials { try await self.performLogin() }
            var authenticated = parameters
            authenticated["userid"] = current.userID
            authenticated["interfacekey"] = current.interfaceKey
            do {
                let (value, body, redactions): (Value?, [UInt8], Int) = try await exchange(
                    endpoint, channel, authenticated, subject: subject,
                    timeout: long ? configuration.longTimeout : configuration.shortTimeout, keepBody: true,
                    retrying: retrying)
                guard let value else {
                    throw HaasAPIError.protocolViolation(channel: channel, httpStatus: 200, reason: "Data is missing")
                }
                return HaasReply(value: value, body: body, redactions: redactions)
            } catch let error as HaasAPIError where error.looksLikeAuthentication && relogins < HaasClient.maxRelogins {
                relogins += 1
                await session.invalidate(current)
            }
        }
    }

    /// One call with retries, holding a concurrency slot throughout. Each attempt is reported to the observer.
    /// Returns `Data` (nil when absent), the body as kept (redacted; empty unless `keepBody`) and how many
    /// credential strings were replaced in it.
    private func exchange<Value: WireReply>(
        _ endpoint: HaasEndpoint, _ channel: String, _ parameters: [String: String],
        subject: (lab: String?, backtest: String?), timeout: Duration, keepBody: Bool, retrying: Bool = true
    ) async throws -> (Value?, [UInt8], Int) {
        await limiter.acquire()
        do {
            let result: (Value?, [UInt8], Int) = try await attempts(
                endpoint, channel, parameters, subject: subject, timeout: timeout, keepBody: keepBody,
                retrying: retrying)
            await limiter.release()
            return result
        } catch {
            await limiter.release()
            throw error
        }
    }

    private func attempts<Value: WireReply>(
        _ endpoint: HaasEndpoint, _ channel: String, _ parameters: [String: String],
        subject: (lab: String?, backtest: String?), timeout: Duration, keepBody: Bool, retrying: Bool
    ) async throws -> (Value?, [UInt8], Int) {
        let safeParameters = parameters.filter { !HaasClient.secretParameters.contains($0.key) }
        // Anything that carries credentials or JSON goes as a form body, never in the URL.
        let usePost =
            channel.hasPrefix("LOGIN")
            || parameters.keys.contains { ["settings", "config", "parameters"].contains($0) }
        var attempt = 0
        while true {
            attempt += 1
            let started = ContinuousClock.now
            var status: Int?
            var received: [UInt8] = []
            var failure: HaasAPIError?
            var header: EnvelopeHeader?
            var value: Value?
            do {
                let (code, bytes) = try await send(endpoint, channel, parameters, post: usePost, timeout: timeout)
                status = code
                received = bytes
                (header, value) = try decode(channel: channel, status: code, body: bytes)
            } catch let error as HaasAPIError {
                failure = error
            } catch {
                failure = .transport(channel: channel, TransportFailure(error))
            }
            let latency = ContinuousClock.now - started
            let scrubbed: (body: [UInt8], replacements: Int) =
                keepBody ? redactor.withLock { $0 }.scrub(received) : ([], 0)
            observer.record(
                HaasExchange(
                    channel: channel, endpoint: endpoint, parameters: safeParameters, method: usePost ? "POST" : "GET",
                    attempt: attempt, httpStatus: status,
                    latencyMicros: latency.components.seconds * 1_000_000 + latency.components.attoseconds
                        / 1_000_000_000_000,
                    body: scrubbed.body, redactions: scrubbed.replacements, envelopeSuccess: header?.success,
                    envelopeError: header?.error, failure: failure, labID: subject.lab, backtestID: subject.backtest))
            if configuration.politenessDelay > .zero { try await Task.sleep(for: configuration.politenessDelay) }
            guard let failure else { return (value, scrubbed.body, scrubbed.replacements) }
            let worth = retrying ? failure.attemptsWorth(configuration.retry) : 1
            guard failure.isTransient && attempt < worth else { throw failure }
            let delay = configuration.retry.delay(afterAttempt: attempt)
            configuration.onRetry?(
                "retrying \(channel) in \(String(format: "%.1f", delay.inSeconds)) s (\(failure.retryReason), attempt \(attempt + 1) of \(worth))"
            )
            if delay > .zero { try await Task.sleep(for: delay) }
        }
    }

    static let maxRelogins = 3

    private static let secretParameters: Set<String> = ["email", "password", "interfacekey", "userid", "pincode"]

    private func send(
        _ endpoint: HaasEndpoint, _ channel: String, _ parameters: [String: String], post: Bool, timeout: Duration
    ) async throws -> (Int, [UInt8]) {
        var query = "channel=\(FormEncoding.encode(channel))"
        let encoded = FormEncoding.encode(parameters)
        if !post && !encoded.isEmpty { query += "&" + encoded }
        var request = HTTPClientRequest(url: configuration.server.url(endpoint: endpoint, query: query))
        if post {
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: encoded))
        }
        let response = try await http.execute(request, timeout: .seconds(max(1, timeout.components.seconds)))
        var buffer = try await response.body.collect(upTo: 256 << 20)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        return (Int(response.status.code), bytes)
    }

    /// Checks status and envelope; an HTML or otherwise non-JSON body is a protocol violation, never a crash.
    private func decode<Value: WireReply>(
        channel: String, status: Int, body: [UInt8]
    ) throws(HaasAPIError) -> (EnvelopeHeader, Value?) {
        guard status == 200 else { throw .httpStatus(channel: channel, status: status) }
        let firstByte = body.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        if firstByte == UInt8(ascii: "<") {
            throw .protocolViolation(
                channel: channel, httpStatus: status,
                reason: "the server answered HTML, not JSON (a wrong path returns the web UI with status 200)")
        }
        let header: EnvelopeHeader
        let value: Value?
        do throws(EnvelopeProblem) {
            (header, value) = try Value.fromEnvelope(body)
        } catch {
            let reason =
                switch error {
                case .notAnEnvelope:
                    body.isEmpty
                        ? "empty body" : "the body is not a {Success, Error, Data} JSON envelope (\(body.count) bytes)"
                case .unexpectedData(let detail): "Data has an unexpected shape: \(detail)"
                }
            throw .protocolViolation(channel: channel, httpStatus: status, reason: reason)
        }
        guard header.success else {
            throw .serverRefused(channel: channel, message: header.error ?? "(no message)")
        }
        return (header, value)
    }
}

/// The logged-in session shared by concurrent calls; a login in progress is awaited, not repeated.
struct Session: Sendable, Equatable {
    let userID: String
    let interfaceKey: String
}

actor SessionStore {
    private var current: Session?
    private var pending: Task<Session, any Error>?

    func credentials(login: @escaping @Sendable () async throws -> Session) async throws -> Session {
        if let current { return current }
        if let pending { return try await pending.value }
        let task = Task { try await login() }
        pending = task
        defer { pending = nil }
        let session = try await task.value
        current = session
        return session
    }

    /// Forgets `session` if it is still the current one (another task may have logged in again already).
    func invalidate(_ session: Session) {
        if current == session { current = nil }
    }
}

/// `application/x-www-form-urlencoded`, with every reserved character escaped (V1 did not, and broke on `&`).
/// `application/x-www-form-urlencoded`: every UTF-8 byte but RFC 3986's unreserved ASCII as `%XX`, a byte at a
/// time (Foundation's `addingPercentEncoding` with `.alphanumerics` let non-ASCII letters through unencoded, and
/// cost more than the rest of building a request).
enum FormEncoding {
    private static let hex = Array("0123456789ABCDEF".utf8)

    static func encode(_ text: String) -> String {
        var bytes: [UInt8] = []
        append(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func encode(_ parameters: [String: String]) -> String {
        var bytes: [UInt8] = []
        for (index, parameter) in parameters.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: "&")) }
            append(parameter.key, to: &bytes)
            bytes.append(UInt8(ascii: "="))
            append(parameter.value, to: &bytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func append(_ text: String, to bytes: inout [UInt8]) {
        bytes.reserveCapacity(bytes.count + text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                bytes.append(byte)
            default:
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0F)])
            }
        }
    }
}
