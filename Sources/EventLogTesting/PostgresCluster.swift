import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway PostgreSQL server for one test: `initdb` into a temporary folder (as the `postgres` user when
/// the tests run as root, since the server refuses to run as root), started with `pg_ctl` on a free loopback
/// port with password authentication, and stopped and removed by `stop()` or when released.
public final class PostgresCluster: @unchecked Sendable {
    /// The folder of Debian's server programs (`/usr/lib/postgresql/N/bin`, the newest N), if installed.
    public static let binDirectory: String? = {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init)
            .sorted()
        return versions.reversed().map { "\(root)/\($0)/bin" }.first {
            FileManager.default.isExecutableFile(atPath: $0 + "/initdb")
        }
    }()

    /// Why no cluster can be started here, or nil when one can.
    public static let unavailableReason: String? = {
        guard binDirectory != nil else {
            return
                "PostgreSQL's server is not installed (/usr/lib/postgresql/N/bin/initdb); `tools/setup --tests` installs it"
        }
        if getuid() == 0 && getpwnam("postgres") == nil { return "running as root and there is no postgres user" }
        return nil
    }()

    public let user = "haas"
    public let password: String
    /// Chosen just before the server starts, and again should another listener have taken it meanwhile.
    public private(set) var port = 0
    private let directory: TemporaryDirectory
    private var running = false

    public init() throws {
        guard let bin = Self.binDirectory else { throw ClusterError("no PostgreSQL server programs") }
        directory = try TemporaryDirectory(prefix: "haasledger-pg")
        chmod(directory.path, 0o755)
        password = "pw-" + UUID().uuidString.prefix(8).lowercased()
        let passwordFile = directory.appending("pwfile")
        try password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
        if getuid() == 0, let account = getpwnam("postgres") {
            chown(directory.path, account.pointee.pw_uid, account.pointee.pw_gid)
            chown(passwordFile, account.pointee.pw_uid, account.pointee.pw_gid)
        }
        try runAsServerUser(
            bin + "/initdb",
            [
                "-D", directory.appending("data"), "-U", user, "--pwfile", passwordFile, "--auth-host=scram-sha-256",
                "--auth-local=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync",
            ])
        try start(bin)
        running = true
    }

    /// Starts the server on a port free a moment ago. Another listener in this process can be handed the
    /// same port before the server binds it, so a start that could not bind is tried again on another.
    private func start(_ bin: String) throws {
        let logPath = directory.appending("server.log")
        for attempt in 1... {
            port = try Self.freePort()
            // pg_ctl appends to the log: only what this attempt added says why it failed.
            let logged = (try? FileManager.default.attributesOfItem(atPath: logPath)[.size] as? Int) ?? 0
            do {
                try runAsServerUser(
                    bin + "/pg_ctl",
                    [
                        "-D", directory.appending("data"), "-l", logPath, "-w", "-o",
                        "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off", "start",
                    ])
                return
            } catch {
                let whole = (try? Data(contentsOf: URL(fileURLWithPath: logPath))) ?? Data()
                let log = String(decoding: whole.dropFirst(logged), as: UTF8.self)
                guard attempt < 3, log.contains("could not bind") else {
                    throw ClusterError("\(error); the server's log ends: \(log.suffix(600))")
                }
            }
        }
    }

    deinit { stop() }

    /// `postgres://haas[:password]@127.0.0.1:PORT/DATABASE`.
    public func url(_ database: String = "postgres", withPassword: Bool = true) -> String {
        "postgres://\(user)\(withPassword ? ":" + password : "")@127.0.0.1:\(port)/\(database)"
    }

    /// Runs SQL through `psql` (unaligned, tuples only) and returns its output; throws with psql's stderr.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        try psql(commands: [sql], database: database)
    }

    /// Several statements or backslash commands (`\\copy`…), each its own `-c`, in one psql session.
    @discardableResult
    public func psql(commands: [String], database: String = "postgres") throws -> String {
        let result = try ChildProcess.run(
            program: "/usr/bin/psql",
            [
                "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA", "-h", "127.0.0.1", "-p", String(port), "-U", user, "-d",
                database,
            ] + commands.flatMap { ["-c", $0] },
            environment: ["PGPASSWORD": password])
        guard result.status == 0 else { throw ClusterError("psql: \(result.stderr)") }
        return result.stdout
    }

    public func createDatabase(_ name: String) throws {
        try psql("CREATE DATABASE \(name)")
    }

    /// Stops the server at once and removes its files.
    public func stop() {
        guard running, let bin = Self.binDirectory else { return }
        running = false
        try? runAsServerUser(bin + "/pg_ctl", ["-D", directory.appending("data"), "-m", "immediate", "-w", "stop"])
    }

    /// Runs a server program to its end, as the `postgres` user when this is root. Spawned with every file
    /// descriptor above 2 closed: Foundation's `Process` learns that a child ended when a descriptor it
    /// inherited closes, and the server `pg_ctl` starts would keep it open for as long as it runs.
    private func runAsServerUser(_ program: String, _ arguments: [String]) throws {
        let asRoot = getuid() == 0
        let argv = asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--", program] + arguments : [program] + arguments
        let outputPath = directory.appending("command.out")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // glibc ≥ 2.34 has it; Swift's Glibc module does not declare it.
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
            throw ClusterError("this C library lacks posix_spawn_file_actions_addclosefrom_np")
        }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        let arguments = argv.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, arguments, environ)
        guard spawned == 0 else { throw ClusterError("cannot start \(argv[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            throw ClusterError("\((program as NSString).lastPathComponent) failed: \(output)")
        }
    }

    /// A loopback port nothing listens on now (the kernel's choice for port 0).
    static func freePort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw ClusterError("socket: \(String(cString: strerror(errno)))") }
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketFD, $0, length) == 0 && getsockname(socketFD, $0, &length) == 0
            }
        }
        guard bound else { throw ClusterError("bind: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    public struct ClusterError: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }
}

extension PostgresCluster {
    /// A psql session that has taken `lock` in a transaction and keeps it until `release`.
    public func holdLock(_ lock: String, database: String) throws -> LockHolder {
        try LockHolder(self, lock, database: database)
    }

    /// Returns once some backend waits on a lock (a COPY's, when `runningCopy`), asking the server as often as
    /// psql answers; fails after a minute.
    public func waitForABackendBlockedOnALock(runningCopy: Bool, database: String) throws {
        let deadline = ContinuousClock.now + .seconds(60)
        let condition = runningCopy ? " AND query LIKE 'COPY%'" : ""
        while ContinuousClock.now < deadline {
            let waiting = try psql(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'\(condition)", database: database)
            if waiting != "0\n" { return }
        }
        throw ClusterError("no backend waited on the lock within a minute")
    }
}

/// A psql session holding a lock: its standard input stays open until `release` ends the transaction.
public final class LockHolder {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()

    init(_ cluster: PostgresCluster, _ lock: String, database: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = ["-X", "-h", "127.0.0.1", "-p", String(cluster.port), "-U", cluster.user, "-d", database]
        process.environment = ProcessInfo.processInfo.environment.merging(["PGPASSWORD": cluster.password]) { $1 }
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data("BEGIN;\n\(lock);\n\\echo locked\n".utf8))
        var seen = ""
        while !seen.contains("locked\n") {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw PostgresCluster.ClusterError("psql ended before it took the lock") }
            seen += String(decoding: chunk, as: UTF8.self)
        }
    }

    /// Rolls the transaction back, which frees the lock, and waits for psql to end.
    public func release() throws {
        input.fileHandleForWriting.write(Data("ROLLBACK;\n".utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning { try? release() }
    }
}
