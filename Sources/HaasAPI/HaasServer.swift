import Foundation

/// Where a HaasOnline Trade Server listens: `http(s)://host:port`, nothing else.
public struct HaasServer: Sendable, Equatable, CustomStringConvertible {
    public let scheme: String
    public let host: String
    public let port: Int

    /// Parses `http://127.0.0.1:8090` (a trailing slash is fine). Credentials, paths and queries in the URL
    /// are refused, so a secret cannot slip into the log through a server name.
    public init(url text: String) throws(HaasAPIError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw .invalidServerURL(text, reason: "expected http://host:port or https://host:port")
        }
        if components.user != nil || components.password != nil {
            throw .invalidServerURL(
                text, reason: "credentials do not belong in the URL; use --email/--password or the environment")
        }
        if !(components.path.isEmpty || components.path == "/") || components.query != nil {
            throw .invalidServerURL(text, reason: "give only scheme, host and port (no path or query)")
        }
        self.scheme = scheme
        self.host = host
        port = components.port ?? (scheme == "https" ? 443 : 80)
    }

    public init(host: String, port: Int, scheme: String = "http") {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// The form recorded in the log: never contains credentials.
    public var description: String { "\(scheme)://\(host):\(port)" }

    func url(endpoint: HaasEndpoint, query: String) -> String {
        "\(description)/\(endpoint.rawValue)API.php?\(query)"
    }
}

/// The `{Name}API.php` files of the server.
public enum HaasEndpoint: String, Sendable {
    case user = "User"
    case labs = "Labs"
    case setup = "Setup"
    case backtest = "Backtest"
    case haasScript = "HaasScript"
}

/// Login credentials. Their description never shows them.
public struct HaasCredentials: Sendable, CustomStringConvertible {
    public let email: String
    public let password: String

    public init(email: String, password: String) {
        self.email = email
        self.password = password
    }

    public var description: String { "HaasCredentials(email: <redacted>, password: <redacted>)" }
}
