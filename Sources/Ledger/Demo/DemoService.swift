import EventLog

/// `haasledger demo`: appends the sample, verifies the chain and shows what is there.
public struct DemoService: Sendable {
    public let location: LedgerLocation
    public let clock: any LedgerClock

    public init(location: LedgerLocation, clock: any LedgerClock) {
        self.location = location
        self.clock = clock
    }

    /// Runs the demo, writing its report to `output`. Throws `LedgerError.integrity` if verify fails.
    public func run(output: OutputSink) throws {
        let log = try location.openLog(create: true, clock: clock)
        let outcomes = try log.append(SampleLog.drafts())
        let appended = outcomes.filter { if case .appended = $0 { return true } else { return false } }.count
        try output.writeLine("ledger: \(location.root)")
        try output.writeLine(
            "appended \(appended) sample events in one group commit; \(outcomes.count - appended) were already recorded (same ids)"
        )
        let report = try log.verify()
        guard report.isValid, let head = report.head else {
            throw LedgerError.integrity(report.problem?.description ?? "verify found no events")
        }
        try output.writeLine(
            "verify: ok — \(report.eventsChecked) events and \(report.blobsChecked) blobs checked; head \(head.position) \(head.hash.hex)"
        )
        try output.writeLine("")
        for line in TableRenderer(columns: [.init("STAT"), .init("VALUE")]).render(
            try log.stats().tableRows, header: false)
        {
            try output.writeLine(line)
        }
        try output.writeLine("")
        try output.writeLine("last 10 events:")
        try log.read { reader in
            let from = head.position > 10 ? head.position - 9 : 1
            var rows: [[String]] = []
            try LogQuery(from: from).run(reader) { rows.append(EventPresentation.tableRow($0)) }
            for line in EventPresentation.table.render(rows) { try output.writeLine(line) }
        }
        try output.finish()
    }
}
