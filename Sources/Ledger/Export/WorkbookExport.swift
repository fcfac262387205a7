import BacktestMetrics
import EventLog
import Foundation
import JSON
import Projections
import XLSXKit

/// What `export xlsx` writes.
public struct WorkbookRequest: Sendable {
    public var lab: String?
    public var formula: String?
    public var moment: ReadModelService.Moment
    /// Add a sheet of every closed trade, read from each backtest's runtime body.
    public var trades: Bool
    /// Rows below the header before a sheet goes on in the next ("trades 2"): at most, and by default, Excel's.
    public var rowsPerSheet: Int

    public static let excelRowsPerSheet = XLSXWorkbook.maximumRows

    public init(
        lab: String? = nil, formula: String? = nil, moment: ReadModelService.Moment = .now, trades: Bool = false,
        rowsPerSheet: Int = excelRowsPerSheet
    ) {
        self.lab = lab
        self.formula = formula
        self.moment = moment
        self.trades = trades
        self.rowsPerSheet = rowsPerSheet
    }
}

/// What was written: each sheet with its rows (a sheet that went on past the rows per sheet once per part), and
/// the position read.
public struct WorkbookSummary: Sendable {
    public let sheets: [(name: String, rows: Int)]
    public let position: UInt64
}

extension ReadModelService {
    static let tradeColumns = [
        "backtest_id", "lab_id", "trade", "side", "entry_time", "exit_time", "size", "entry_price", "exit_price",
        "fees", "net_pnl",
    ]

    /// `export xlsx`: sheets of backtests (pyHaasAPI's columns, then every metric, then every script parameter as
    /// its own column), trades (when asked), labs, sweeps and trials, in real number formats. Backtests are read
    /// and written one lab at a time, a page of backtests at a time, so memory is bounded by a page, not by the ledger.
    public func exportWorkbook(_ request: WorkbookRequest, to path: String) throws -> WorkbookSummary {
        let folder = (path as NSString).deletingLastPathComponent
        try Self.checkWritable(path, folder: folder.isEmpty ? "." : folder)
        let partial = XLSXWorkbook.partialPath(for: path)
        PartialFiles.add(partial)
        defer { PartialFiles.remove(partial) }
        do {
            return try XLSXWorkbook.write(
                to: path, temporaryDirectory: folder.isEmpty ? "." : folder, rowsPerSheet: request.rowsPerSheet
            ) { workbook in
                var sheets: [XLSXSheet] = []
                let position = try writeBacktestSheets(request, into: workbook, sheets: &sheets)
                // The sweeps open the log themselves: the backtests' log is closed by now.
                let sweeps = try self.sweeps(at: .position(position))
                sheets.append(try Self.write(sweeps, sheet: "sweeps", into: workbook))
                sheets.append(try Self.write(try trialsTable(sweeps, at: position), sheet: "trials", into: workbook))
                return WorkbookSummary(sheets: sheets.flatMap(\.parts), position: position)
            }
        } catch let error as XLSXError {
            throw LedgerError.file(path: path, reason: error.description)
        }
    }

    /// Refuses, before any work, an output that names a folder or sits in a folder that is missing or read-only.
    static func checkWritable(_ path: String, folder: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw LedgerError.file(path: path, reason: "is a folder; give a file name such as \(path)/ledger.xlsx")
        }
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LedgerError.file(path: path, reason: "the folder \(folder) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw LedgerError.file(path: path, reason: "the folder \(folder) is not writable (permission denied)")
        }
    }

    /// The backtests (and trades) sheets, one lab at a time, then the labs sheet; returns the position read.
    private func writeBacktestSheets(_ request: WorkbookRequest, into workbook: XLSXWorkbook, sheets: inout [XLSXSheet])
        throws -> UInt64
    {
        let (source, formula) = try read(formula: request.formula)
        let models = source.models
        let (position, asOfTime) = try Self.headBounded(request.moment, source.events)
        let labs = try models.labs(asOf: position)
        try Self.requireLabs(request.lab.map { [$0] } ?? [], in: models, asOf: position)
        let labIDs = try models.backtestLabIDs(asOf: position)
        let metricNames = try models.recordedNames().metrics.filter { !Self.analyticsColumns.contains($0) }
        let parameterKeys = try models.parameterKeys(asOf: position)
        let columns = Self.analyticsColumns + metricNames + parameterKeys.map { "param: " + $0 }
        let backtests = try workbook.addSheet("backtests", columns: columns.map { ($0, WorkbookStyles.style($0)) })
        sheets.append(backtests)
        let trades =
            request.trades
            ? try workbook.addSheet("trades", columns: Self.tradeColumns.map { ($0, WorkbookStyles.style($0)) }) : nil
        if let trades { sheets.append(trades) }
        let groups: [(lab: String?, direct: Bool)] =
            request.lab.map { [($0, false)] } ?? labIDs.map { ($0, $0 == nil) }
        var bodiesRead = 0
        for group in groups {
            try Self.forEachFactsPage(
                models, lab: group.lab, directOnly: group.direct, formula: formula, asOf: position
            ) { page, metrics in
                for facts in page {
                    let computed = metrics[facts.backtestID]
                    let parameters = Self.parameterObject(facts.parameters)
                    let cells =
                        Self.analyticsRow(facts, computed: computed, formula: formula, asOfTime: asOfTime)
                        + metricNames.map { Self.cell(computed?.metric($0)) }
                        + parameterKeys.map { Self.parameterCell(parameters[$0]) }
                    try backtests.append(zip(columns, cells).map { WorkbookStyles.value($1, column: $0) })
                    if let trades, let runtime = facts.runtimePosition,
                        let adapted = try RecordedRuntimes.adapted(at: runtime, in: source.events)
                    {
                        // The log's pages around each body stay mapped in until handed back (1.4 GB for
                        // 100,000 bodies otherwise).
                        bodiesRead += 1
                        if bodiesRead % LogReader.blobsBetweenReleases == 0 { try source.events.releaseMappedPages() }
                        for (index, trade) in adapted.inputs.trades.enumerated() {
                            try trades.append([
                                .text(facts.backtestID), group.lab.map(XLSXValue.text) ?? .empty,
                                .number(Double(index + 1)), .text(trade.side == .long ? "long" : "short"),
                                .time(trade.entryTime), .time(trade.exitTime), .number(trade.size),
                                .number(trade.entryPrice),
                                .number(trade.exitPrice), .number(trade.fees), .number(trade.netPnL),
                            ])
                        }
                    }
                }
            }
        }
        sheets.append(try Self.write(Self.labsTable(labs), sheet: "labs", into: workbook))
        return position
    }

    /// Every sweep's trials in one table: `sweep_id` first, then the union of their columns.
    private func trialsTable(_ sweeps: ResultTable, at position: UInt64) throws -> ResultTable {
        let tables = try sweeps.rows.compactMap { row -> (String, ResultTable)? in
            guard case .text(let id)? = row.first else { return nil }
            return (id, SweepPresentation.trialsTable(try sweepStanding(id, formula: nil, at: .position(position))))
        }
        var columns: [String] = []
        for (_, table) in tables {
            for column in table.columns where !columns.contains(column) { columns.append(column) }
        }
        return ResultTable(
            columns: ["sweep_id"] + columns,
            rows: tables.flatMap { id, table in
                table.rows.map { row in
                    [.text(id)]
                        + columns.map { column in table.columns.firstIndex(of: column).map { row[$0] } ?? .null }
                }
            }, displays: tables.first?.1.displays ?? [:])
    }

    /// `table` as a sheet of its own, cells in the styles their columns call for.
    static func write(_ table: ResultTable, sheet name: String, into workbook: XLSXWorkbook) throws -> XLSXSheet {
        let sheet = try workbook.addSheet(name, columns: table.columns.map { ($0, WorkbookStyles.style($0)) })
        for row in table.rows {
            try sheet.append(
                zip(table.columns, row).map { column, cell in
                    WorkbookStyles.value(cell, column: column, display: table.displays[column])
                })
        }
        return sheet
    }
}
