import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// One connection to a PostgreSQL database, with every error mapped to `PostgresError` and PostgresNIO's
/// logging silenced (a command's stdout and stderr are its own).
public struct PostgresSession: Sendable {
    let connection: PostgresConnection
    /// The URL without its password, for messages.
    public let server: String
    let logger = Logger(label: "haasledger.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    public static func connect(_ url: PostgresURL) async throws(PostgresError) -> PostgresSession {
        let server = url.description
        do {
            var configuration: PostgresConnection.Configuration
            if url.host.hasPrefix("/") {
                configuration = .init(
                    unixSocketPath: url.host + "/.s.PGSQL.\(url.port)", username: url.user, password: url.password,
                    database: url.database)
            } else {
                let tls: PostgresConnection.Configuration.TLS =
                    switch url.tls {
                    case .disable: .disable
                    case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
                    case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
                    }
                configuration = .init(
                    host: url.host, port: url.port, username: url.user, password: url.password,
                    database: url.database, tls: tls)
            }
            configuration.options.connectTimeout = .seconds(10)
            let connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 1,
                logger: Logger(label: "haasledger.postgres", factory: { _ in SwiftLogNoOpLogHandler() }))
            return PostgresSession(connection: connection, server: server)
        } catch {
            throw PostgresError.from(error, server: server)
        }
    }

    public func close() async {
        try? await connection.close()
    }

    /// Runs one statement and returns its rows.
    @discardableResult
    func rows(_ query: PostgresQuery) async throws(PostgresError) -> [PostgresRow] {
        do {
            return try await connection.query(query, logger: logger).collect()
        } catch {
            throw PostgresError.from(error, server: server)
        }
    }

    /// Runs statements without bindings, one at a time (the extended protocol takes one per query).
    func execute(_ sql: String) async throws(PostgresError) {
        for statement in SQLStatements.split(sql) { try await rows(PostgresQuery(unsafeSQL: statement)) }
    }

    /// `COPY table (columns) FROM STDIN` in text format, fed by `write`.
    func copy(
        into table: String, columns: [String], _ write: (PostgresCopyFromWriter) async throws -> Void
    ) async throws {
        do {
            try await connection.copyFrom(table: table, columns: columns, logger: logger, writeData: write)
        } catch let error as PSQLError {
            throw PostgresError.from(error, server: server)
        }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    func transaction<R>(_ body: () async throws -> R) async throws -> R {
        try await execute("BEGIN")
        do {
            let result = try await body()
            try await execute("COMMIT")
            return result
        } catch {
            try? await execute("ROLLBACK")
            throw error
        }
    }
}

/// Splits SQL text into statements at semicolons outside quotes, `$$` bodies (a `DO` block's) and comments
/// (migrations hold several).
enum SQLStatements {
    static func split(_ sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var quote: Character?
        var comment = false
        var dollarQuoted = false
        var previous: Character = " "
        for character in sql {
            if comment {
                if character == "\n" { comment = false }
                previous = character
                continue
            }
            if dollarQuoted || (quote == nil && character == "$" && previous == "$") {
                // Opened or closed by this second `$` (which then cannot also start the next pair).
                current.append(character)
                if character == "$" && previous == "$" {
                    dollarQuoted.toggle()
                    previous = " "
                } else {
                    previous = character
                }
                continue
            }
            if let open = quote {
                current.append(character)
                if character == open { quote = nil }
            } else if character == "-" && previous == "-" {
                current.removeLast()
                comment = true
            } else if character == "'" || character == "\"" {
                quote = character
                current.append(character)
            } else if character == ";" {
                statements.append(current)
                current = ""
            } else {
                current.append(character)
            }
            previous = character
        }
        statements.append(current)
        return statements.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }
}
