import Foundation

/// Where a PostgreSQL database is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…&host=/socket/dir]`
/// (also `postgresql://`). A password missing from the URL comes from `$PGPASSWORD`, else from `~/.pgpass`
/// (or `$PGPASSFILE`), as libpq finds it. The password is never part of any description.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    public let user: String
    /// A host name or address; a path (starting with `/`) is the folder of a Unix socket.
    public let host: String
    public let port: Int
    public let database: String
    public let tls: TLSMode
    let password: String?

    /// The URL without its password, for messages and `--help`.
    public var description: String {
        "postgres://\(user)@\(host.hasPrefix("/") ? "" : host):\(port)/\(database)"
            + (host.hasPrefix("/") ? "?host=\(host)" : "")
    }

    /// Parses `text`; `environment` supplies PGPASSWORD, PGPASSFILE, PGUSER and HOME.
    public init(_ text: String, environment: [String: String]) throws(PostgresError) {
        func refuse(_ reason: String) -> PostgresError { .invalidURL(reason: reason) }
        var rest = Substring(text)
        guard let scheme = ["postgres://", "postgresql://"].first(where: { rest.hasPrefix($0) }) else {
            throw refuse("it must start with postgres:// or postgresql://")
        }
        rest = rest.dropFirst(scheme.count)
        var query: [String: String] = [:]
        if let mark = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: mark)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { throw refuse("the query part '\(pair)' is not NAME=VALUE") }
                query[String(parts[0])] = String(parts[1]).removingPercentEncoding ?? String(parts[1])
            }
            rest = rest[..<mark]
        }
        let slash = rest.firstIndex(of: "/")
        let authority = slash.map { rest[..<$0] } ?? rest
        let path = slash.map { rest[rest.index(after: $0)...] } ?? ""
        var user: String?
        var password: String?
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = String(credentials[..<colon]).removingPercentEncoding
                password = String(credentials[credentials.index(after: colon)...]).removingPercentEncoding
            } else {
                user = String(credentials).removingPercentEncoding
            }
        }
        var host = "localhost"
        var port = 5432
        if !hostPort.isEmpty {
            if let colon = hostPort.lastIndex(of: ":"), !hostPort.hasSuffix("]") {
                guard let number = Int(hostPort[hostPort.index(after: colon)...]), (1...65_535).contains(number) else {
                    throw refuse(
                        "the port '\(hostPort[hostPort.index(after: colon)...])' is not a number from 1 to 65535")
                }
                port = number
                host = String(hostPort[..<colon])
            } else {
                host = String(hostPort)
            }
            host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        }
        if let socket = query.removeValue(forKey: "host") { host = socket }
        if let number = query.removeValue(forKey: "port") {
            guard let value = Int(number), (1...65_535).contains(value) else {
                throw refuse("port=\(number) is not a number from 1 to 65535")
            }
            port = value
        }
        let tlsText = query.removeValue(forKey: "sslmode") ?? "prefer"
        guard let tls = TLSMode(rawValue: tlsText == "allow" ? "prefer" : tlsText) else {
            throw refuse("sslmode=\(tlsText) is not one of disable, allow, prefer, require")
        }
        if let unknown = query.keys.sorted().first {
            throw refuse("'\(unknown)' is not a parameter this tool reads (host, port, sslmode)")
        }
        guard let name = (user?.isEmpty == false ? user : nil) ?? environment["PGUSER"] ?? environment["USER"] else {
            throw refuse("it names no user (postgres://USER@HOST/DATABASE)")
        }
        let named = String(path).removingPercentEncoding ?? String(path)
        let database = named.isEmpty ? name : named
        self.user = name
        self.host = host
        self.port = port
        self.database = database
        self.tls = host.hasPrefix("/") ? .disable : tls
        self.password =
            password ?? environment["PGPASSWORD"]
            ?? Self.passwordFile(environment).flatMap {
                Self.password(in: $0, host: host, port: port, database: database, user: name)
            }
    }

    private static func passwordFile(_ environment: [String: String]) -> String? {
        let path = environment["PGPASSFILE"] ?? environment["HOME"].map { $0 + "/.pgpass" }
        return path.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }
    }

    /// The password of the first `host:port:database:user:password` line that matches (`*` matches anything;
    /// `\:` and `\\` are escapes), as libpq reads `.pgpass`.
    static func password(in file: String, host: String, port: Int, database: String, user: String) -> String? {
        let wanted = [host.hasPrefix("/") ? "localhost" : host, String(port), database, user]
        for line in file.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            var fields: [String] = [""]
            var escaped = false
            for character in line {
                if escaped {
                    fields[fields.count - 1].append(character)
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == ":" && fields.count < 5 {
                    fields.append("")
                } else {
                    fields[fields.count - 1].append(character)
                }
            }
            guard fields.count == 5 else { continue }
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }
}
