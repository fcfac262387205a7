import EventLog
import JSON

/// What `haasledger import` was asked to do.
public struct ImportRequest: Sendable {
    public var paths: [String]
    public var dryRun: Bool
    /// Which server the caches came from; pyHaasAPI's v1 layouts do not say.
    public var serverLabel: String?
    /// Relative paths are resolved against this directory.
    public var workingDirectory: String
    /// Which formulas the runtimes' metrics are computed under (`FormulaChoice.toRecord`).
    public var formulas: FormulaChoice

    public init(
        paths: [String], dryRun: Bool = false, serverLabel: String? = nil, workingDirectory: String,
        formulas: FormulaChoice = .none
    ) {
        self.paths = paths
        self.dryRun = dryRun
        self.serverLabel = serverLabel
        self.workingDirectory = workingDirectory
        self.formulas = formulas
    }
}

/// What happened to one file.
public struct ImportFileOutcome: Sendable, Equatable {
    public enum Status: String, Sendable {
        case imported
        case wouldImport = "would import"
        case skipped = "already imported"
        /// The same bytes as a file already imported under another path: the path is recorded, the facts once.
        case copy = "copy"
        case failed
    }

    public let path: String
    public let kind: CacheFileKind?
    public let status: Status
    /// Events the file adds (its `cache.file.imported`, its facts and their metrics).
    public let events: Int
    public let reason: String?
}

/// Files per kind: imported, already imported (skipped), failed.
public struct ImportTally: Sendable, Equatable {
    public var imported = 0
    public var skipped = 0
    public var failed = 0
}

/// What an import run did.
public struct ImportSummary: Sendable, Equatable {
    /// Nil for a dry run, which records nothing.
    public var runID: EventID?
    public var dryRun: Bool
    public var byKind: [CacheFileKind: ImportTally] = [:]
    /// Files that are not pyHaasAPI cache files.
    public var ignored = 0
    /// Files whose bytes equal another path's: recorded as paths, their facts not again.
    public var copies = 0
    /// Things a person should know though nothing failed (an empty or unrelated folder imports nothing).
    public var warnings: [String] = []
    public var runtimes = 0
    public var metricsComputed = 0
    public var events = 0
    public var bytes = 0
    public var seconds = 0.0

    public var imported: Int { byKind.values.reduce(0) { $0 + $1.imported } }
    public var skipped: Int { byKind.values.reduce(0) { $0 + $1.skipped } }
    public var failed: Int { byKind.values.reduce(0) { $0 + $1.failed } }

    public var json: JSONValue {
        .object([
            ("run_id", .optional(runID?.description)), ("dry_run", .bool(dryRun)), ("imported", .number(imported)),
            ("skipped", .number(skipped)), ("failed", .number(failed)), ("ignored", .number(ignored)),
            ("copies", .number(copies)),
            (
                "by_kind",
                .object(
                    byKind.keys.sorted().map { kind in
                        let tally = byKind[kind] ?? ImportTally()
                        return (
                            kind.rawValue,
                            .object([
                                ("imported", .number(tally.imported)), ("skipped", .number(tally.skipped)),
                                ("failed", .number(tally.failed)),
                            ])
                        )
                    })
            ),
            ("runtimes", .number(runtimes)), ("metrics_computed", .number(metricsComputed)),
            ("events", .number(events)), ("bytes", .number(bytes)),
            ("seconds", .optional((seconds * 1000).rounded() / 1000)),
        ])
    }
}
