import NIOCore
import PostgresNIO

/// What went wrong with a PostgreSQL database, worded once and plainly: the server's own message and SQLSTATE,
/// or why it could not be reached. No case carries a password.
public enum PostgresError: Error, Sendable, CustomStringConvertible {
    /// The URL (flag or `$HAASLEDGER_POSTGRES_URL`) cannot be read.
    case invalidURL(reason: String)
    /// The server could not be reached or dropped the connection.
    case unreachable(server: String, reason: String)
    /// The server refused the login.
    case authentication(server: String, reason: String)
    /// The server refused a statement.
    case server(message: String, sqlState: String?, detail: String?)
    /// The schema holds a migration this build does not know.
    case newerSchema(schema: String, version: Int, known: Int)
    /// A column of a user's statement has a type this tool does not print.
    case unsupportedColumn(name: String, type: String)
    /// The statement ran past its time limit.
    case timedOut(seconds: Double)

    public var description: String {
        switch self {
        case .invalidURL(let reason): "the PostgreSQL URL is not usable: \(reason)"
        case let .unreachable(server, reason): "cannot reach PostgreSQL at \(server): \(reason)"
        case let .authentication(server, reason): "PostgreSQL at \(server) refused the login: \(reason)"
        case let .server(message, sqlState, detail):
            "PostgreSQL: \(message)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "") + (detail.map { "; \($0)" } ?? "")
        case let .newerSchema(schema, version, known):
            "schema \(schema) has migration \(version), newer than this build knows (\(known)); sync it with a newer build"
        case let .unsupportedColumn(name, type):
            "column \(name) has type \(type), which this command does not print; cast it (\(name)::text)"
        case .timedOut(let seconds):
            "stopped after \(seconds) s (--timeout); narrow the statement or give a longer --timeout"
        }
    }

    /// Whether a retry could succeed without anyone changing anything (the server was not reached).
    public var isUnreachable: Bool { if case .unreachable = self { true } else { false } }

    /// Maps an error PostgresNIO or NIO threw.
    static func from(_ error: any Error, server: String) -> PostgresError {
        if let known = error as? PostgresError { return known }
        guard let psql = error as? PSQLError else {
            return .unreachable(server: server, reason: Self.plain(error))
        }
        if let info = psql.serverInfo {
            let state = info[.sqlState]
            if state == "57014" { return .timedOut(seconds: 0) }
            if let state, state.hasPrefix("28") {
                return .authentication(server: server, reason: info[.message] ?? "authentication failed")
            }
            return .server(message: info[.message] ?? "error", sqlState: state, detail: info[.detail])
        }
        switch psql.code {
        case .authMechanismRequiresPassword:
            return .authentication(
                server: server,
                reason: "it asks for a password and none was given (put it in the URL, $PGPASSWORD or ~/.pgpass)")
        case .unsupportedAuthMechanism, .saslError:
            return .authentication(server: server, reason: "its authentication method is not supported")
        case .sslUnsupported:
            return .unreachable(
                server: server, reason: "the server does not offer TLS, and sslmode=require asks for it")
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            return .unreachable(server: server, reason: "the connection was closed")
        default:
            return .unreachable(server: server, reason: psql.underlying.map(Self.plain) ?? "\(psql.code)")
        }
    }

    /// An underlying socket error in words ("connection refused"), not NIO's type dump.
    private static func plain(_ error: any Error) -> String {
        if let io = error as? IOError {
            switch io.errnoCode {
            case 111: return "connection refused"
            case 113, 101: return "no route to the host"
            case 110: return "the connection timed out"
            default: return "\(io.description)"
            }
        }
        if let connect = error as? NIOConnectionError {
            if let first = connect.connectionErrors.first?.error { return plain(first) }
            if connect.dnsAError != nil || connect.dnsAAAAError != nil { return "the host name does not resolve" }
            return "no address could be connected to"
        }
        if error is ChannelError { return "the connection attempt timed out" }
        return String(describing: error)
    }
}
