import BacktestMetrics
import Projections

/// What `haasledger report` is asked for.
public struct ReportRequest: Sendable {
    /// Only these labs (none: every lab, and the direct backtests).
    public var labs: [String]
    /// These sweeps (none: every sweep the ledger holds).
    public var sweeps: [String]
    public var moment: ReadModelService.Moment
    /// The formula the numbers are shown under (nil: the one the ledger reads by default).
    public var formula: String?
    /// A second formula to set beside the first.
    public var compareFormula: String?
    /// What changed since this moment, when given.
    public var since: ReadModelService.Moment?
    /// Rows per lab table.
    public var top: Int
    /// Backtests per lab given a section of their own (equity, drawdown, months, trades).
    public var detailed: Int

    public init(
        labs: [String] = [], sweeps: [String] = [], moment: ReadModelService.Moment = .now, formula: String? = nil,
        compareFormula: String? = nil, since: ReadModelService.Moment? = nil, top: Int = 20, detailed: Int = 3
    ) {
        self.labs = labs
        self.sweeps = sweeps
        self.moment = moment
        self.formula = formula
        self.compareFormula = compareFormula
        self.since = since
        self.top = top
        self.detailed = detailed
    }
}

/// Everything a report shows, read from one ledger position before a byte is written.
struct ReportContent {
    /// The position read and its event's hash (printed in the report, so a reader can tell two apart).
    let position: UInt64
    let hash: String
    let recordedAt: Int64
    let request: ReportRequest
    let formula: String
    let formulaSet: FormulaSet?
    let overview: [(String, String)]
    let groups: [BacktestGroup]
    let details: [BacktestDetail]
    let revisions: [RevisedBacktest]
    /// `diff --from SINCE --to MOMENT`, when `--since` was given.
    var changes: ResultTable?
    var formulaChange: FormulaComparison?
    var sweeps: [SweepStanding]
}

/// One lab's backtests (or the direct ones), best total return first.
struct BacktestGroup {
    let id: String
    let title: String
    let lab: LabRow?
    /// What the charts draw of every backtest, and the best by total return.
    let charts: LabCharts
    /// The first of them (`--top`), whole.
    let top: [BacktestRow]
    /// Its scripts, markets and period.
    let outline: LabOutline
    /// For the rows shown in the table.
    let provenance: [String: Provenance]
}

/// What the charts draw of one backtest: orderable values (±inf as the infinities, nil when undefined).
struct ChartedBacktest {
    /// The metrics, in the order of the stored values.
    static let metrics = ["total_return", "max_drawdown", "win_rate", "profit_factor"]

    let backtestID: String
    let totalReturn: Double?
    let maxDrawdown: Double?
    let winRate: Double?
    let profitFactor: Double?
}

/// Where a row's numbers came from.
struct Provenance {
    let runtimePosition: Int64?
    let metricsPosition: Int64?
    let bodySHA256: String?
}

/// A top backtest's curves, rebuilt from its runtime body the way the metrics were.
struct BacktestDetail {
    let backtestID: String
    let groupID: String
    let row: BacktestRow
    /// Daily samples: seconds since the epoch and realized equity.
    let equity: [(time: Double, value: Double)]
    let trades: [Trade]
    let capital: Double?
}

/// A backtest whose metrics changed between fetches: each version with the event that made it.
struct RevisedBacktest {
    struct Version {
        /// The `metrics.computed` event that made this version.
        let position: Int64
        /// The runtime event it was computed from, when it was recorded, and by what.
        let runtimePosition: Int64?
        let fetchedAt: Int64?
        let source: String
        let row: BacktestRow?
    }
    let backtestID: String
    let versions: [Version]
}

/// Two formula sets over the same backtests: per metric what moved, and the top rows under both.
struct FormulaComparison {
    let first: String
    let second: String
    let summary: ResultTable
    let sideBySide: ResultTable
}
