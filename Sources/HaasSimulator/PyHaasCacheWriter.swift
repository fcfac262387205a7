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

    // MARK: cache/lab_backtests_{lab}_{ts}/

    private func writeLabBacktests(_ files: inout FileList) throws {
        for lab in world.labs {
            let folder = "cache/lab_backtests_\(lab.id)_\(PyHaasCacheWriter.folderStamp)"
            var reprs: [String] = []
            var csv = [PyHaasCacheWriter.analyticsColumns.joined(separator: ",")]
            for backtest in lab.backtests {
                let result = SimulatedResult(world: world, lab: lab, backtest: backtest)
                var writer = JSONWriter(capacity: 16_384)
                writer.object { out in
                    out.field("record_id", int: Int64(lab.index * 100_000 + backtest.index + 1))
                    out.field("user_id", world.configuration.email)
                    out.field("lab_id", lab.id)
                    out.field("backtest_id", backtest.id)
                    out.field("generation_idx", int: Int64(backtest.generation))
                    out.field("population_idx", int: Int64(backtest.population))
                    out.field("status", int: 3)
                    out.key("settings")
                    Payloads.settings(lab, into: &out)
                    out.key("parameters")
                    out.object { out in
                        for (name, value) in Payloads.parameterValues(lab: lab, backtest: backtest) {
                            out.field(name, value)
                        }
                    }
                    out.key("runtime")
                    Payloads.runtime(
                        world: world, lab: lab, backtest: backtest, userID: world.configuration.email, into: &out)
                    out.key("chart")
                    out.null()
                    out.key("logs")
                    out.array { _ in }
                }
                try files.write("\(folder)/backtest_details/\(backtest.id).json", writer.bytes)
                reprs.append(repr(lab: lab, backtest: backtest, result: result))
                csv.append(analyticsRow(lab: lab, backtest: backtest, result: result))
            }
            var list = JSONWriter()
            list.array { out in for text in reprs { out.string(text) } }
            try files.write("\(folder)/backtests_list.json", list.bytes)
            try files.write("\(folder)/backtests_analytics.csv", Array((csv.joined(separator: "\r\n") + "\r\n").utf8))
        }
    }

    /// What `json.dump(results, default=str)` writes for a pydantic `LabBacktestResult`: its repr, with the
    /// nested settings model (which has its own `account_id`) and a parameter dict.
    private func repr(lab: SimulatedWorld.Lab, backtest: SimulatedWorld.Backtest, result: SimulatedResult) -> String {
        let parameters = Payloads.parameterValues(lab: lab, backtest: backtest).map { "'\($0.0)': '\($0.1)'" }
            .joined(separator: ", ")
        return "record_id=\(lab.index * 100_000 + backtest.index + 1) user_id='\(world.configuration.email)' "
            + "lab_id='\(lab.id)' backtest_id='\(backtest.id)' generation_idx=\(backtest.generation) "
            + "population_idx=\(backtest.population) status=3 settings=HaasScriptSettings(bot_id='', bot_name='', "
            + "account_id='\(lab.accountID)', market_tag='\(lab.market)', position_mode=0, margin_mode=0, "
            + "leverage=\(lab.leverage), trade_amount=930.0, interval=15, chart_style=300, order_template=500, "
            + "script_parameters={}) parameters={\(parameters)} runtime=None chart=None logs=[] "
            + "summary=LabBacktestSummary(orders=\(result.positions.count * 2), trades=\(result.positions.count), "
            + "positions=\(result.positions.count), fee_costs={}, realized_profits={}, return_on_investment=[], "
            + "custom_report={})"
    }

    static let analyticsColumns = [
        "account_id", "backtest_id", "beats_buy_hold", "end_time", "fees_usdt", "generation", "interval",
        "losing_trades", "market_tag", "max_drawdown", "orders", "pc_value", "population", "positions",
        "realized_profits_usdt", "rising_length", "roi_percentage", "script_id", "script_name", "start_time",
        "stop_loss_percentage", "stop_loss_shrinkage", "total_profit", "total_trades", "trades", "vwap_window",
        "win_rate", "winning_trades",
    ]

    /// pyHaasAPI's row, bugs included: `max_drawdown` is RM, generation and population are empty.
    private func analyticsRow(lab: SimulatedWorld.Lab, backtest: SimulatedWorld.Backtest, result: SimulatedResult)
        -> String
    {
        let trades = result.positions.count
        let values: [String] = [
            lab.accountID, backtest.id, String(result.roi > result.priceChange), String(result.end),
            String(result.totalFees), "", "15", String(result.losers.count), lab.market, String(result.roiMargin),
            String(trades * 2), String(result.priceChange), "", String(trades), String(result.realizedProfits), "",
            String(result.roi), lab.scriptID, lab.scriptName, String(result.start), "", "",
            String(result.realizedProfits), String(trades), String(trades), "",
            String(trades == 0 ? 0 : Double(result.winners.count) / Double(trades)), String(result.winners.count),
        ]
        return values.map(PyHaasCacheWriter.csvField).joined(separator: ",")
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: unified_cache/

    private func writeUnifiedBacktests(_ files: inout FileList, layouts: Layouts) throws {
        let both = layouts.isSuperset(of: [.unifiedRuntimes, .unifiedAnalyses])
        for lab in world.labs {
            for backtest in lab.backtests {
                let name = "unified_cache/backtests/\(lab.id)_\(backtest.id).json"
                let asAnalysis = both ? backtest.index % 2 == 1 : layouts.contains(.unifiedAnalyses)
                if layouts.contains(.unifiedRuntimes) && !asAnalysis {
                    try files.write(name, runtimeData(lab: lab, backtest: backtest))
                } else if layouts.contains(.unifiedAnalyses) {
                    try files.write(name, analysis(lab: lab, backtest: backtest, withRuntime: true))
                }
                if layouts.contains(.unifiedSummaries) {
                    try files.write(
                        "unified_cache/backtests/\(serverName)_\(lab.id)_\(backtest.id).json",
                        summary(lab: lab, backtest: backtest))
                }
            }
        }
    }

    /// `asdict(BacktestAnalysis)`, whose numbers are pyHaasAPI's (max_drawdown from RM), plus `runtime_data`.
    private func analysis(lab: SimulatedWorld.Lab, backtest: SimulatedWorld.Backtest, withRuntime: Bool) -> [UInt8] {
        var writer = JSONWriter(capacity: 16_384)
        analysisObject(lab: lab, backtest: backtest, withRuntime: withRuntime, into: &writer)
        return writer.bytes
    }

    private func analysisObject(
        lab: SimulatedWorld.Lab, backtest: SimulatedWorld.Backtest, withRuntime: Bool, into writer: inout JSONWriter
    ) {
        let result = SimulatedResult(world: world, lab: lab, backtest: backtest)
        writer.object { out in
            out.field("backtest_id", backtest.id)
            out.field("lab_id", lab.id)
            out.field("generation_idx", int: Int64(backtest.generation))
            out.field("population_idx", int: Int64(backtest.population))
            out.field("market_tag", lab.market)
            out.field("script_id", lab.scriptID)
            out.field("script_name", lab.scriptName)
            out.field("roi_percentage", result.roi)
            out.field("calculated_roi_percentage", result.priceChange)
            out.field("win_rate", Double(result.winners.count) / Double(max(1, result.positions.count)))
            out.field("total_trades", int: Int64(result.positions.count))
            out.field("max_drawdown", result.roiMargin)
            out.field("realized_profits_usdt", result.realizedProfits)
            out.field("pc_value", result.priceChange)
            out.field("starting_balance", result.startBalance)
            if withRuntime {
                out.key("runtime_data")
                Payloads.runtime(
                    world: world, lab: lab, backtest: backtest, userID: world.configuration.email, into: &out)
            }
        }
    }

    /// v2's summary-only record.
    private func summary(lab: SimulatedWorld.Lab, backtest: SimulatedWorld.Backtest) -> [UInt8] {
        let result = SimulatedResult(world: world, lab: lab, backtest: backtest)
        var writer = JSONWriter()
        writer.object { out in
            out.field("lab_id", lab.id)
            out.field("backtest_id", backtest.id)
            out.field("roi", result.priceChange)
            out.field("roe", result.roi)
            out.field("win_rate", Double(result.winners.count) / Double(max(1, result.positions.count)))
            out.field("max_drawdown", 0.0)
            out.field("total_trades", int: Int64(result.positions.count))
            out.field("realized_profits_usdt", result.realizedProfits)
            out.field("starting_balance", result.startBalance)
            out.field("created_at", "2025-09-23T13:11:21.000000")
            out.field("updated_at", "2025-09-23T13:11:21.000000")
            out.field("status", "COMPLETED")
            out.field("leverage", lab.leverage)
            out.field("position_mode", int: lab.leverage > 1 ? 1 : 0)
            out.field("margin_mode", int: 0)
        }
        return writer.bytes
    }

    private func writeReports(_ files: inout FileList) throws {
        let stamp = PyHaasCacheWriter.folderStamp
        for lab in world.labs {
            var rows = [PyHaasCacheWriter.reportColumns.joined(separator: ",")]
            for backtest in lab.backtests {
                let result = SimulatedResult(world: world, lab: lab, backtest: backtest)
                let values: [String] = [
                    lab.id, lab.name, String(lab.backtests.count), String(lab.backtests.count), backtest.id,
                    String(backtest.generation), String(backtest.population), lab.market, lab.scriptID,
                    lab.scriptName, String(result.roi), String(result.priceChange),
                    String(result.roi - result.priceChange),
                    String(result.winners.count), String(result.positions.count), String(result.roiMargin),
                    String(result.realizedProfits), String(result.priceChange), "", "", "", String(result.startBalance),
                    String(result.startBalance + result.realizedProfits), "", "2025-08-27T23:42:17",
                ]
                rows.append(values.map(PyHaasCacheWriter.csvField).joined(separator: ","))
            }
            try files.write(
                "unified_cache/reports/lab_analysis_\(lab.id)_\(stamp).csv",
                Array((rows.joined(separator: "\r\n") + "\r\n").utf8))
            var writer = JSONWriter()
            writer.object { out in
                out.field("lab_id", lab.id)
                out.field("lab_name", lab.name)
                out.field("total_backtests", int: Int64(lab.backtests.count))
                out.field("analyzed_backtests", int: Int64(min(10, lab.backtests.count)))
                out.field("processing_time", 1.25)
                out.key("top_backtests")
                out.array { out in
                    for backtest in lab.backtests.prefix(10) {
                        analysisObject(lab: lab, backtest: backtest, withRuntime: false, into: &out)
                    }
                }
                out.field("saved_at", "2025-08-27T23:42:17")
            }
            try files.write("unified_cache/reports/analysis_result_\(lab.id)_\(stamp).json", writer.bytes)
        }
    }

    static let reportColumns = [
        "Lab ID", "Lab Name", "Total Backtests", "Analyzed Backtests", "Backtest ID", "Generation", "Population",
        "Market", "Script ID", "Script Name", "Lab ROI %", "Calculated ROI %", "ROI Difference %", "Win Rate %",
        "Total Trades", "Max Drawdown %", "Realized Profits USDT", "PC Value", "Avg Profit/Trade", "Profit Factor",
        "Sharpe Ratio", "Starting Balance USDT", "Final Balance USDT", "Peak Balance USDT", "Analysis Timestamp",
    ]

    // MARK: backtest_cache/

    /// `cache.db` plus one pickle per lab (a pickled list of its backtest ids) and one pickle whose recorded
    /// MD5 no longer matches (the file was rewritten after the index).
    private func writeBacktestCache(_ files: inout FileList) throws {
        var entries: [(key: String, type: String, file: String, md5: String)] = []
        for lab in world.labs {
            let key = Insecure.MD5.hash(data: Array("lab_backtests|\(lab.id)".utf8)).hexString
            let pickle = PickleWriter.list(of: lab.backtests.map(\.id))
            try files.write("backtest_cache/\(key).pkl", pickle)
            entries.append((key, "lab_backtests_paginated", "\(key).pkl", Insecure.MD5.hash(data: pickle).hexString))
        }
        let labsKey = Insecure.MD5.hash(data: Array("labs".utf8)).hexString
        let labsPickle = PickleWriter.list(of: world.labs.map(\.id))
        try files.write("backtest_cache/\(labsKey).pkl", labsPickle)
        entries.append(
            (labsKey, "labs", "\(labsKey).pkl", Insecure.MD5.hash(data: PickleWriter.list(of: [])).hexString))
        let path = files.root + "/backtest_cache/cache.db"
        do {
            let db = try SQLiteConnection(path: path)
            try db.execute(
                """
                CREATE TABLE cache_entries (key TEXT PRIMARY KEY, data_type TEXT, created_at TIMESTAMP,
                    expires_at TIMESTAMP, file_path TEXT, data_hash TEXT)
                """)
            let insert = try db.prepare("INSERT INTO cache_entries VALUES (?, ?, ?, ?, ?, ?)")
            for entry in entries {
                try insert.run([
                    .text(entry.key), .text(entry.type), .text("2025-08-27T23:39:39.935782"),
                    .text("2025-08-28T00:09:39.934657"), .text(entry.file), .text(entry.md5),
                ])
            }
        } catch {
            throw WriteError(path: path, reason: String(describing: error))
        }
        try files.touch("backtest_cache/cache.db")
    }

    // MARK: data/

    private func writeCutoffs(_ files: inout FileList) throws {
        var markets: [String] = []
        for lab in world.labs where !markets.contains(lab.market) { markets.append(lab.market) }
        func document(_ markets: [String]) -> [UInt8] {
            var writer = JSONWriter()
            writer.object { out in
                out.field("version", "1.0")
                out.field("created", "2025-08-12T10:00:00.000000")
                out.field("last_updated", "2025-08-12T10:05:00.000000")
                out.key("cutoffs")
                out.object { out in
                    for market in markets {
                        let parts = market.split(separator: "_", omittingEmptySubsequences: false).map(String.init)
                        out.key(market)
                        out.object { out in
                            out.field("market_tag", market)
                            out.field(
                                "cutoff_date", market.contains("BTC") ? "2017-01-01T00:00:00" : "2020-01-01T00:00:00")
                            out.field("discovery_date", "2025-08-12T10:00:00.000000")
                            out.field("precision_hours", int: 24)
                            out.field("exchange", parts.first ?? "")
                            out.field("primary_asset", parts.count > 1 ? parts[1] : "")
                            out.field("secondary_asset", parts.count > 2 ? parts[2] : "")
                            out.key("discovery_metadata")
                            out.object { out in
                                out.field("tests_performed", int: 10)
                                out.field("discovery_time_seconds", 10.4)
                                out.field("initial_range_days", int: 1000)
                                out.field("final_precision_hours", int: 24)
                                out.field("discovery_method", "binary_search")
                                out.field("api_call_delay", 1.0)
                            }
                        }
                    }
                }
            }
            return writer.bytes
        }
        try files.write("data/backups/history_cutoffs_backup_20250812_100000.json", document(Array(markets.prefix(1))))
        try files.write("data/history_cutoffs.json", document(markets))
    }
}

/// Creates files under a root with deterministic modification times.
private struct FileList {
    let root: String
    let baseTime: Int64
    var written: [String] = []

    mutating func write(_ relative: String, _ bytes: [UInt8]) throws {
        let path = root + "/" + relative
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        } catch {
            throw PyHaasCacheWriter.WriteError(path: path, reason: error.localizedDescription)
        }
        try touch(relative)
    }

    /// Sets the file's mtime to the base time plus its ordinal, so every file has its own known mtime.
    mutating func touch(_ relative: String) throws {
        let path = root + "/" + relative
        let date = Date(timeIntervalSince1970: TimeInterval(baseTime + Int64(written.count)))
        do {
            try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: path)
        } catch {
            throw PyHaasCacheWriter.WriteError(path: path, reason: error.localizedDescription)
        }
        written.append(path)
    }
}

/// A pickle (protocol 4) of a list of strings: enough for a file pyHaasAPI's readers would accept, written
/// without Python. The importer never reads it back.
enum PickleWriter {
    static func list(of strings: [String]) -> [UInt8] {
        var bytes: [UInt8] = [0x80, 0x04, UInt8(ascii: "]")]  // PROTO 4, EMPTY_LIST
        if !strings.isEmpty {
            bytes.append(UInt8(ascii: "("))  // MARK
            for text in strings {
                let utf8 = Array(text.utf8)
                bytes.append(0x8C)  // SHORT_BINUNICODE
                bytes.append(UInt8(min(utf8.count, 255)))
                bytes.append(contentsOf: utf8.prefix(255))
            }
            bytes.append(UInt8(ascii: "e"))  // APPENDS
        }
        bytes.append(UInt8(ascii: "."))  // STOP
        return bytes
    }
}

extension Digest {
    var hexString: String { map { String(format: "%02x", $0) }.joined() }
}
