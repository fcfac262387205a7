import Foundation
import HaasAPI

/// Where the server and credentials come from: flags first, then the environment (`HAAS_SERVER_URL` or
/// `API_HOST` + `API_PORT`, `HAAS_EMAIL`/`API_EMAIL`, `HAAS_PASSWORD`/`API_PASSWORD`), then a `.env` file, then
/// the config file's `[server]` (which holds no password).
public enum ServerSettings {
    public static func resolve(
        serverFlag: String?, emailFlag: String?, passwordFlag: String?, environment: [String: String],
        dotEnvPath: String = ".env", configuration: LedgerConfiguration = LedgerConfiguration()
    ) throws -> (HaasServer, HaasCredentials) {
        let dotEnv = try DotEnv.load(dotEnvPath)
        func value(_ names: [String]) -> String? {
            for name in names { if let value = environment[name], !value.isEmpty { return value } }
            for name in names { if let value = dotEnv[name], !value.isEmpty { return value } }
            return nil
        }
        let serverText: String
        if let serverFlag, !serverFlag.isEmpty {
            serverText = serverFlag
        } else if let url = value(["HAAS_SERVER_URL"]) {
            serverText = url
        } else if let host = value(["API_HOST"]) {
            serverText = "http://\(host):\(value(["API_PORT"]) ?? "8090")"
        } else if let url = configuration.server.url {
            serverText = url
        } else {
            throw LedgerError.invalidArgument(
                flag: "--server",
                reason:
                    "no server given (use --server URL, HAAS_SERVER_URL, API_HOST and API_PORT, or url in a config file's [server])"
            )
        }
        let server: HaasServer
        do {
            server = try HaasServer(url: serverText)
        } catch {
            throw LedgerError.invalidArgument(flag: "--server", reason: error.description)
        }
        guard let email = emailFlag ?? value(["HAAS_EMAIL", "API_EMAIL"]) ?? configuration.server.email else {
            throw LedgerError.invalidArgument(
                flag: "--email", reason: "no e-mail given (use --email, HAAS_EMAIL or API_EMAIL)")
        }
        // The command runs only when nothing else gave the password.
        let given = passwordFlag ?? value(["HAAS_PASSWORD", "API_PASSWORD"])
        let fromCommand = try given == nil
            ? configuration.server.passwordCommand.map { try PasswordCommand.run($0, configuration: configuration.source) }
            : nil
        guard let password = given ?? fromCommand else {
            throw LedgerError.invalidArgument(
                flag: "--password",
                reason:
                    "no password given (use HAAS_PASSWORD or API_PASSWORD, or password_command in a config file; a flag shows in `ps`)")
        }
        return (server, HaasCredentials(email: email, password: password))
    }
}

/// `KEY=VALUE` lines; `#` comments, `export ` prefixes and single or double quotes are understood.
public enum DotEnv {
    public static func load(_ path: String) throws -> [String: String] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw LedgerError.file(path: path, reason: "cannot be read as UTF-8 text")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else {
                throw LedgerError.malformedInput(source: path, line: index + 1, reason: "expected KEY=VALUE")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            } else if let comment = value.range(of: " #") {
                value = String(value[..<comment.lowerBound]).trimmingCharacters(in: .whitespaces)
            }
            values[key] = value
        }
        return values
    }
}

/// `password_command` of the config file: run with `/bin/sh -c`, its first line of output is the password. Its
/// output is never printed or recorded; a failure names the config key, not the output.
enum PasswordCommand {
    static func run(_ command: String, configuration: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw LedgerError.invalidFile(path: configuration, field: "server.password_command", reason: "cannot run: \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw LedgerError.invalidFile(
                path: configuration, field: "server.password_command",
                reason: "exited with status \(process.terminationStatus)")
        }
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first
        guard let password = line.map(String.init), !password.isEmpty else {
            throw LedgerError.invalidFile(
                path: configuration, field: "server.password_command", reason: "printed no password")
        }
        return password
    }
}
