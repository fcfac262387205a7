import Foundation
import TOMLKit

/// The optional TOML config file: `--config FILE`, else `$HAASLEDGER_CONFIG`, else `./haasledger.toml` when it
/// exists. Flags and the environment (and `.env`) win over it; it wins over built-in defaults. Every key is
/// checked: a misspelt key or a value of the wrong type is an error naming the file and the key, never ignored.
public struct LedgerConfiguration: Sendable, Equatable {
    /// Where the values came from (a path), or `"(none)"`.
    public var source: String = "(none)"
    public var ledger: String?
    public var formula: String?
    public var server = Server()

    public struct Server: Sendable, Equatable {
        public var url: String?
        public var email: String?
        public var concurrency: Int?
        public var politenessMilliseconds: Int?
        public var attempts: Int?
        public var timeoutSeconds: Double?
        /// A shell command whose standard output is the password (like git's credential helpers).
        public var passwordCommand: String?
    }

    public init() {}

    public static let defaultPath = "./haasledger.toml"

    /// - Throws: `LedgerError.unreadableInput` for a named file that cannot be read, `LedgerError.invalidFile`
    ///   naming the key for anything the file says wrongly.
    public static func load(flag: String?, environment: [String: String]) throws -> LedgerConfiguration {
        let named = flag.flatMap { $0.isEmpty ? nil : $0 } ?? environment["HAASLEDGER_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let path = named ?? defaultPath
        guard FileManager.default.fileExists(atPath: path) else {
            if named == nil { return LedgerConfiguration() }
            throw LedgerError.unreadableInput(path: path, reason: "no such config file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LedgerError.unreadableInput(path: path, reason: "the config file cannot be read (permissions?)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LedgerError.invalidFile(path: path, field: "(document)", reason: "not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> LedgerConfiguration {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw LedgerError.malformedInput(
                source: path, line: error.source.begin.line, reason: "\(error.description) (column \(error.source.begin.column))")
        }
        let reader = KeyReader(path: path)
        var configuration = LedgerConfiguration()
        configuration.source = path
        try reader.only(["ledger", "formula", "server"], in: table, section: "")
        // A relative ledger path is relative to the config file, as a reader of the file would take it.
        configuration.ledger = try reader.string(table, "ledger").map { ledger in
            guard !ledger.hasPrefix("/"), let slash = path.lastIndex(of: "/") else { return ledger }
            return String(path[...slash]) + ledger
        }
        configuration.formula = try reader.string(table, "formula")
        if let value = table["server"] {
            guard let server = value.table else { throw reader.wrongType("server", value, expected: "a table") }
            try reader.only(
                ["url", "email", "password", "password_command", "concurrency", "politeness_ms", "attempts", "timeout"],
                in: server,
                section: "server.")
            if server["password"] != nil {
                throw LedgerError.invalidFile(
                    path: path, field: "server.password",
                    reason:
                        "a password does not belong in a config file in clear; use password_command, HAAS_PASSWORD or a .env file"
                )
            }
            configuration.server.url = try reader.string(server, "url", section: "server.")
            configuration.server.email = try reader.string(server, "email", section: "server.")
            configuration.server.passwordCommand = try reader.string(server, "password_command", section: "server.")
            configuration.server.concurrency = try reader.integer(server, "concurrency", section: "server.", atLeast: 1)
            configuration.server.politenessMilliseconds = try reader.integer(
                server, "politeness_ms", section: "server.", atLeast: 0)
            configuration.server.attempts = try reader.integer(server, "attempts", section: "server.", atLeast: 1)
            configuration.server.timeoutSeconds = try reader.integer(server, "timeout", section: "server.", atLeast: 1)
                .map(Double.init)
        }
        return configuration
    }

    /// What `haasledger config init` writes: every key, commented out, with what it does.
    public static let sample = """
        # haasledger.toml: defaults for haasledger commands run in this folder.
        # Flags win over the environment (and .env), which wins over this file.
        # Other places: haasledger --config FILE, or HAASLEDGER_CONFIG=FILE.

        # The ledger directory (as --ledger or HAASLEDGER_PATH).
        # ledger = "./haasledger-data"

        # The formula set recording commands compute and read commands answer under (as --formula or
        # HAASLEDGER_FORMULA). Without it, a ledger keeps the formulas it holds; a new one gets canonical@2.
        # `haasledger metrics formulas` lists them.
        # formula = "canonical@2"

        [server]
        # The Trade Server (as --server or HAAS_SERVER_URL).
        # url = "http://127.0.0.1:8090"
        # email = "trader@example.com"
        # No password in clear here: keep it in HAAS_PASSWORD or a .env file, or name a command that prints it
        # (run with /bin/sh; only its first line is used), such as a password manager's.
        # password_command = "pass show haasonline"

        # Requests in flight at once (as --concurrency).
        # concurrency = 4
        # Pause after each request, in milliseconds (as --politeness-ms).
        # politeness_ms = 0
        # Attempts per request before giving up (as --attempts).
        # attempts = 6
        # Seconds to wait for one answer (as --timeout; logs and charts get at least 180).
        # timeout = 30

        """

    /// Writes the sample, refusing to replace a file unless told to.
    public static func writeSample(to path: String, replacing: Bool) throws {
        if FileManager.default.fileExists(atPath: path), !replacing {
            throw LedgerError.invalidArgument(flag: "config init", reason: "\(path) exists; give --force to replace it")
        }
        do {
            try Data(sample.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw LedgerError.file(path: path, reason: "cannot be written: \(error.localizedDescription)")
        }
    }
}

/// Typed reads of a TOML table whose errors name the file and the key.
private struct KeyReader {
    let path: String

    func wrongType(_ key: String, _ value: any TOMLValueConvertible, expected: String) -> LedgerError {
        let kind = "\(value.type)"
        let article = kind.first.map { "aeiou".contains($0) } == true ? "an" : "a"
        return .invalidFile(path: path, field: key, reason: "expected \(expected), found \(article) \(kind)")
    }

    func only(_ known: [String], in table: TOMLTable, section: String) throws {
        for key in table.keys where !known.contains(key) {
            throw LedgerError.invalidFile(
                path: path, field: section + key,
                reason: "unknown key (known: \(known.map { section + $0 }.joined(separator: ", ")))")
        }
    }

    func string(_ table: TOMLTable, _ key: String, section: String = "") throws -> String? {
        guard let value = table[key] else { return nil }
        guard let text = value.string else { throw wrongType(section + key, value, expected: "a string") }
        guard !text.isEmpty else {
            throw LedgerError.invalidFile(path: path, field: section + key, reason: "is empty")
        }
        return text
    }

    func integer(_ table: TOMLTable, _ key: String, section: String, atLeast minimum: Int) throws -> Int? {
        guard let value = table[key] else { return nil }
        guard let number = value.int else { throw wrongType(section + key, value, expected: "an integer") }
        guard number >= minimum else {
            throw LedgerError.invalidFile(path: path, field: section + key, reason: "must be at least \(minimum)")
        }
        return number
    }
}
