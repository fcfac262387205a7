import Crypto
import Foundation
import SQLiteKit

/// Writes the cache folders pyHaasAPI left on users' disks (haas-api.md §5), filled from a simulated world,
/// so the importer is tested and benchmarked on every layout without third-party files.
///
/// The shapes follow the reference: `backtests_list.json` holds pydantic repr *strings*, the analytics CSV
/// carries RM under `max_drawdown`, `unified_cache` mixes raw runtimes (A), analyses with `runtime_data` (B)
/// and v2 summaries named `{server}_{lab}_{backtest}.json`, and cutoff files hold simulated dates.
public struct PyHaasCacheWriter {
    public struct Layouts: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// `cache/lab_backtests_{lab}_{ts}/`: details with runtimes, the repr list, the analytics CSV.
        public static let labBacktests = Layouts(rawValue: 1 << 0)
        /// `unified_cache/backtests/{lab}_{backtest}.json` holding the runtime `Data` (shape A).
        public static let unifiedRuntimes = Layouts(rawValue: 1 << 1)
        /// `unified_cache/backtests/{lab}_{backtest}.json` holding an analysis plus `runtime_data` (shape B).
        public static let unifiedAnalyses = Layouts(rawValue: 1 << 2)
        /// `unified_cache/backtests/{server}_{lab}_{backtest}.json` summaries (v2).
        public static let unifiedSummaries = Layouts(rawValue: 1 << 3)
        /// `unified_cache/reports/`: `lab_analysis_*.csv` and `analysis_result_*.json`.
        public static let unifiedReports = Layouts(rawValue: 1 << 4)
        /// `backtest_cache/cache.db` and its pickles.
        public static let backtestCache = Layouts(rawValue: 1 << 5)
        /// `data/history_cutoffs.json` and one backup.
        public static let historyCutoffs = Layouts(rawValue: 1 << 6)
        public static let all: Layouts = [
            .labBacktests, .unifiedRuntimes, .unifiedAnalyses, .unifiedSummaries, .unifiedReports, .backtestCache,
            .historyCutoffs,
        ]
    }

    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    public let world: SimulatedWorld
    /// The server name v2 puts in front of its file names.
    public let serverName: String
    /// Every file's modification time, in seconds since the epoch (each file gets this plus its ordinal).
    public let modificationTime: Int64
    /// When both A and B are asked for, even backtests are written as A and odd ones as B (they share names).
    public init(world: SimulatedWorld, serverName: String = "srv01", modificationTime: Int64 = 1_756_337_000) {
        self.world = world
        self.serverName = serverName
        self.modificationTime = modificationTime
    }

    /// The stamp pyHaasAPI puts in folder and report names (`%Y%m%d_%H%M%S`).
    public static let folderStamp = "20250827_234217"

    /// Writes the asked-for layouts under `root` and returns the files written, in order.
    @discardableResult
    public func write(to root: String, layouts: Layouts = .all) throws -> [String] {
        var files = FileList(root: root, baseTime: modificationTime)
        if layouts.contains(.labBacktests) { try writeLabBacktests(&files) }
        if !layouts.isDisjoint(with: [.unifiedRuntimes, .unifiedAnalyses, .unifiedSummaries]) {
            try writeUnifiedBacktests(&files, layouts: layouts)
        }
        if layouts.contains(.unifiedReports) { try writeReports(&files) }
        if layouts.contains(.backtestCache) { try writeBacktestCache(&files) }
        if layouts.contains(.historyCutoffs) { try writeCutoffs(&files) }
        return files.written
    }

    /// The runtime `Data` object the server returns for a backtest (no envelope), as shape A stores it.
    public func runtimeData(lab: SimulatedWorld.Lab, backtest: SimulatedWorld.Backtest) -> [UInt8] {
        var writer = JSONWriter(capacity: 16_384)
        Payloads.runtime(world: world, lab: lab, backtest: backtest, userID: world.configuration.email, into: &writer)
        return writer.bytes
    }
}
