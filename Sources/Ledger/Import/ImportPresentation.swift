import EventLog

/// How `haasledger import` shows its work: one line per file on a dry run, failures on stderr, a summary.
public enum ImportPresentation {
    /// `STATUS  KIND  EVENTS  PATH` for a dry-run listing.
    public static func fileLine(_ outcome: ImportFileOutcome) -> String {
        let kind = outcome.kind?.rawValue ?? "-"
        var line = "\(outcome.status.rawValue)\t\(kind)\t\(outcome.events)\t\(outcome.path)"
        if let reason = outcome.reason { line += "\t\(reason)" }
        return line
    }

    /// `path: reason`, as failures are reported on stderr.
    public static func problemLine(_ outcome: ImportFileOutcome) -> String? {
        guard let reason = outcome.reason else { return nil }
        return "\(outcome.path): \(reason)"
    }

    /// The totals, then one row per kind.
    public static func summaryLines(_ summary: ImportSummary) -> [String] {
        let verb = summary.dryRun ? "would import" : "imported"
        var lines = TableRenderer(columns: [.init("IMPORT"), .init("", rightAligned: true)]).render(
            [
                [summary.dryRun ? "dry run (nothing recorded)" : "run", summary.runID?.description ?? "-"],
                ["files \(verb)", String(summary.imported)],
                ["files skipped (already imported)", String(summary.skipped)],
                ["files recorded as copies (same bytes as another path)", String(summary.copies)],
                ["files failed", String(summary.failed)],
                ["files ignored (not a pyHaasAPI cache file)", String(summary.ignored)],
                ["runtimes", String(summary.runtimes)],
                ["metrics computed", String(summary.metricsComputed)],
                ["events recorded", String(summary.events)],
                ["bytes read", String(summary.bytes)],
                ["seconds", String(Double(Int((summary.seconds * 100).rounded())) / 100)],
            ], header: false)
        guard !summary.byKind.isEmpty else { return lines }
        lines.append("")
        let rows = summary.byKind.keys.sorted().map { kind -> [String] in
            let tally = summary.byKind[kind] ?? ImportTally()
            return [kind.rawValue, String(tally.imported), String(tally.skipped), String(tally.failed)]
        }
        lines += TableRenderer(
            columns: [
                .init("KIND"), .init(summary.dryRun ? "NEW" : "IMPORTED", rightAligned: true),
                .init("SKIPPED", rightAligned: true), .init("FAILED", rightAligned: true),
            ]
        ).render(rows)
        return lines
    }
}
