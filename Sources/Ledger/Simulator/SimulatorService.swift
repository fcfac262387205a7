import Foundation
import HaasSimulator

/// A simulated Trade Server as the `simulate` and `demo` commands describe it.
public struct SimulatorSettings: Sendable {
    public var seed: UInt64
    public var labs: Int
    public var backtests: Int
    public var revision: Int
    /// A fault plan such as `504:0.1,html:0.05`.
    public var faults: String
    public var runningLabs: Int

    public init(seed: UInt64 = 1, labs: Int = 3, backtests: Int = 40, revision: Int = 1, faults: String = "",
        runningLabs: Int = 0)
    {
        self.seed = seed
        self.labs = labs
        self.backtests = backtests
        self.revision = revision
        self.faults = faults
        self.runningLabs = runningLabs
    }

    /// What is wrong with the settings, naming the flag; nil when they can be used.
    public var problem: String? {
        if labs < 0 || backtests < 0 { return "--labs and --backtests cannot be negative" }
        if revision < 1 { return "--revision must be at least 1" }
        if runningLabs > labs { return "--running-labs cannot exceed --labs" }
        do { _ = try FaultPlan(spec: faults) } catch { return error.description }
        return nil
    }

    var configuration: SimulatorConfiguration {
        get throws {
            SimulatorConfiguration(
                seed: seed, labs: labs, backtestsPerLab: backtests, revision: revision,
                faults: try FaultPlan(spec: faults), runningLabs: runningLabs)
        }
    }
}

/// `haasledger simulate`: serve the simulated world, or write it as pyHaasAPI cache folders.
public enum SimulatorService {
    /// Serves until the server stops; `announce` receives the line telling where and how to log in.
    public static func serve(
        _ settings: SimulatorSettings, host: String, port: Int, requestLog: String? = nil,
        announce: @Sendable (String) -> Void
    ) async throws {
        let configuration = try settings.configuration
        let log: RequestLog?
        do {
            log = try requestLog.map { try RequestLog(path: $0) }
        } catch {
            throw LedgerError.invalidArgument(flag: "--request-log", reason: "\(requestLog ?? ""): cannot be written")
        }
        let server: SimulatorServer
        do {
            server = try await SimulatorServer.start(configuration: configuration, host: host, port: port, requestLog: log)
        } catch SimulatorError.couldNotStart(_, _, let reason) {
            if reason.contains("Address already in use") {
                throw LedgerError.invalidArgument(
                    flag: "--port", reason: "port \(port) on \(host) is in use (another server?); pick another, or 0 for a free one")
            }
            if reason.contains("UnknownHost") || reason.contains("Cannot assign requested address") {
                throw LedgerError.invalidArgument(flag: "--host", reason: "\(host) is not an address of this machine")
            }
            throw LedgerError.invalidArgument(flag: "--host", reason: "cannot listen on \(host):\(port): \(reason)")
        }
        announce(
            "simulating a Trade Server at http://\(host):\(server.port) — \(configuration.labs) labs × \(configuration.backtestsPerLab) backtests, revision \(configuration.revision); log in with \(configuration.email) / \(configuration.password)"
        )
        try await server.waitUntilStopped()
    }

    /// Writes every pyHaasAPI layout under `directory`, which must be new or empty (a cache is written whole,
    /// never merged into another); returns how many files.
    public static func writeCache(_ settings: SimulatorSettings, to directory: String) throws -> Int {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                throw LedgerError.invalidArgument(flag: "--write-cache", reason: "\(directory) is a file, not a folder")
            }
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            guard entries.isEmpty else {
                throw LedgerError.invalidArgument(
                    flag: "--write-cache",
                    reason: "\(directory) is not empty (\(entries.count) entries); give a new or empty folder")
            }
        }
        do {
            return try PyHaasCacheWriter(world: SimulatedWorld(configuration: try settings.configuration))
                .write(to: directory).count
        } catch let error as CocoaError {
            throw LedgerError.file(
                path: (error.userInfo[NSFilePathErrorKey] as? String) ?? directory,
                reason: "cannot be written: \(error.underlying.map { String(describing: $0) } ?? error.localizedDescription)")
        }
    }
}
