import Projections

/// The read models other than backtests, each as of a moment, as tables.
extension ReadModelService {
    public func labs(at moment: Moment) throws -> ResultTable {
        let source = try read()
        return Self.labsTable(try source.models.labs(asOf: try Self.position(moment, source.events)))
    }

    static func labsTable(_ rows: [LabRow]) -> ResultTable {
        ResultTable(
            columns: [
                "lab_id", "name", "script_id", "status", "scheduled_backtests", "completed_backtests", "valid_from",
            ],
            rows: rows.map {
                [
                    .text($0.labID), .init($0.name), .init($0.scriptID), .init($0.status), .init($0.scheduledBacktests),
                    .init($0.completedBacktests), .integer($0.validFrom),
                ]
            }, displays: ["status": .labStatus])
    }

    public func scripts(at moment: Moment) throws -> ResultTable {
        let source = try read()
        let rows = try source.models.scripts(asOf: try Self.position(moment, source.events))
        return ResultTable(
            columns: [
                "script_id", "name", "type", "compiled", "valid", "version", "source_bytes", "updated_at", "valid_from",
            ],
            rows: rows.map {
                [
                    .text($0.scriptID), .init($0.name), .init($0.type), .init($0.compiled.map { $0 ? "yes" : "no" }),
                    .init($0.valid.map { $0 ? "yes" : "no" }), .init($0.version), .init($0.sourceBytes),
                    .init($0.updatedAt.map { $0 * 1_000_000 }), .integer($0.validFrom),
                ]
            }, displays: ["source_bytes": .bytes, "updated_at": .microseconds])
    }

    /// A lab's or a direct backtest's execution timeline; with neither, every execution by its latest step.
    public func executions(lab: String? = nil, backtest: String? = nil, at moment: Moment) throws -> ResultTable {
        let source = try read()
        let subject: ExecutionSubject =
            if let lab { .lab(lab) } else if let backtest { .backtest(backtest) } else { .latest }
        let rows = try source.models.executions(subject, asOf: try Self.position(moment, source.events))
        let subjectColumns = subject == .latest ? ["lab_id", "backtest_id"] : []
        return ResultTable(
            columns: subjectColumns + [
                "position", "recorded_at", "step", "status", "progress", "completed_backtests", "scheduled_backtests",
                "detail",
            ],
            rows: rows.map { row in
                let subject: [ResultTable.Cell] =
                    subjectColumns.isEmpty ? [] : [.init(row.labID), .init(row.backtestID)]
                return subject + [
                    .integer(row.position), .integer(row.recordedAt), .text(row.step), .init(row.status),
                    .init(row.progress), .init(row.completedBacktests), .init(row.scheduledBacktests),
                    .init(row.detail),
                ]
            }, displays: ["recorded_at": .microseconds, "status": .labStatus, "progress": .percent])
    }

    public func cutoffs(at moment: Moment) throws -> ResultTable {
        let source = try read()
        let rows = try source.models.cutoffs(asOf: try Self.position(moment, source.events))
        return ResultTable(
            columns: ["market", "status", "synched", "max_months", "cutoff", "method", "precision", "valid_from"],
            rows: rows.map {
                [
                    .text($0.market), .init($0.status), .init($0.synched), .init($0.maxMonths), .init($0.cutoff),
                    .init($0.method), .init($0.precision), .integer($0.validFrom),
                ]
            })
    }

    /// Blobs fetched or imported: kind, subject (a stream, or an imported file's path), size, first and last
    /// position seen, and how often they were recorded.
    public func cache(at moment: Moment) throws -> ResultTable {
        let source = try read()
        let rows = try source.models.cacheEntries(asOf: try Self.position(moment, source.events))
        return ResultTable(
            columns: ["blob_hash", "kind", "subject", "bytes", "first_position", "last_position", "fetch_count"],
            rows: rows.map {
                [
                    .text($0.blobHash), .init($0.kind), .init($0.subject), .init($0.bytes), .integer($0.firstPosition),
                    .integer($0.lastPosition), .integer($0.timesRecorded),
                ]
            }, displays: ["bytes": .bytes])
    }
}

extension ResultTable.Cell {
    init(_ value: String?) { self = value.map(Self.text) ?? .null }
    init(_ value: Int64?) { self = value.map(Self.integer) ?? .null }
    init(_ value: Double?) { self = value.map(Self.number) ?? .null }
}
