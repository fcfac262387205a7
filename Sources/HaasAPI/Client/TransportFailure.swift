import AsyncHTTPClient
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Why no HTTP reply arrived, kept as a kind rather than a string so callers can decide on it (a refused
/// connection is not worth many retries; a timeout may be) and the wording is done once, plainly.
public enum TransportFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// Nothing listens at the address (ECONNREFUSED).
    case connectionRefused
    /// The server accepted but did not answer in time.
    case timedOut
    /// The server closed or reset the connection before answering.
    case connectionClosed
    /// The host cannot be reached or resolved.
    case unreachable(String)
    case other(String)

    public init(_ error: any Error) {
        if let failure = error as? TransportFailure {
            self = failure
        } else if let http = error as? HTTPClientError {
            switch http {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .getConnectionFromPoolTimeout:
                self = .timedOut
            case .remoteConnectionClosed: self = .connectionClosed
            default: self = .other(String(describing: http))
            }
        } else if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: self = .connectionRefused
            case ECONNRESET, EPIPE: self = .connectionClosed
            case ETIMEDOUT: self = .timedOut
            case EHOSTUNREACH, ENETUNREACH: self = .unreachable(String(cString: strerror(io.errnoCode)))
            default: self = .other(String(cString: strerror(io.errnoCode)))
            }
        } else if String(describing: error).contains("Connection refused") {
            // NIO's connection errors wrap the IOError of each address tried.
            self = .connectionRefused
        } else {
            self = .other(String(describing: error))
        }
    }

    /// A few words, for retry announcements: `connection refused`, `no answer in time`.
    public var brief: String {
        switch self {
        case .connectionRefused: "connection refused"
        case .timedOut: "no answer in time"
        case .connectionClosed: "connection closed"
        case .unreachable: "server unreachable"
        case .other(let reason): reason
        }
    }

    public var description: String {
        switch self {
        case .connectionRefused: "connection refused (is the server running, and is the port right?)"
        case .timedOut: "no answer in time"
        case .connectionClosed: "the server closed the connection"
        case .unreachable(let reason): "cannot reach the server: \(reason)"
        case .other(let reason): reason
        }
    }
}
