import BacktestMetrics
import Projections

/// The whole HTML file: a head with the inlined style and policy, the header that names the ledger position it
/// was read at, a table of contents, and the sections in order. Nothing in it depends on when it was written.
struct ReportDocument {
    let content: ReportContent

    var html: String {
        let request = content.request
        let detailed = Set(content.details.map(\.backtestID))
        var sections: [(id: String, title: String, html: String)] = [
            ("overview", "Overview", overview)
        ]
        for group in content.groups {
            sections.append(
                (
                    HTML.anchor("lab", group.id), group.title,
                    ReportLabSection(group: group, top: request.top, detailed: detailed).html
                        + content.details.filter { $0.groupID == group.id }.map {
                            ReportBacktestSection(detail: $0).html
                        }
                        .joined()
                ))
        }
        for standing in content.sweeps {
            sections.append(
                (
                    HTML.anchor("sweep", standing.sweep.sweepID), "Sweep \(standing.sweep.sweepID)",
                    ReportSweepSection(standing: standing).html
                ))
        }
        sections.append(
            ("over-time", "Over time", ReportChangeSections.overTime(content.revisions, formula: content.formula)))
        if let changes = content.changes {
            sections.append(("since", "What changed", ReportChangeSections.since(changes, label: sinceLabel)))
        }
        if let comparison = content.formulaChange {
            sections.append(("formula-change", "Formula change", ReportChangeSections.formulaChange(comparison)))
        }
        sections.append(("provenance", "Provenance", provenance))
        let title = "HaasLedger report at position \(content.position)"
        return [
            "<!DOCTYPE html>",
            "<html lang=\"en\"><head><meta charset=\"utf-8\">",
            "<meta http-equiv=\"Content-Security-Policy\" content=\"\(ReportAssets.contentSecurityPolicy)\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<meta name=\"generator\" content=\"haasledger \(HTML.escape(BuildInfo.version))\">",
            "<title>\(HTML.escape(title))</title><style>\(ReportAssets.style)</style></head><body>",
            "<header>", HTML.heading(1, "HaasLedger report"),
            HTML.paragraph(
                "Read at log position \(content.position) (recorded \(Timestamp.readable(content.recordedAt))), event hash \(content.hash). The same position and options give this file byte for byte.",
                className: "note"),
            "</header>",
            "<nav>", HTML.heading(4, "Contents"), "<ul>",
            sections.map { "<li><a href=\"#\(HTML.escape($0.id))\">\(HTML.escape($0.title))</a></li>" }.joined(),
            "</ul></nav>",
            sections.map { "<section class=\"part\" data-part=\"\(HTML.escape($0.id))\">\($0.html)</section>" }
                .joined(),
            "<div id=\"tip\"></div><script>\(ReportAssets.script)</script>",
            "</body></html>",
        ].joined(separator: "\n")
    }

    private var sinceLabel: String {
        switch content.request.since {
        case .position(let position)?: return "position \(position)"
        case .time(let micros)?: return Timestamp.readable(micros)
        case .now?, nil: return "now"
        }
    }

    private var overview: String {
        var facts = content.overview
        facts.append(("Formula set", content.formula + (content.formulaSet.map { ": \($0.summary)" } ?? "")))
        if let set = content.formulaSet {
            facts.append(
                ("Formula parameters", set.parameters.entries.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")))
        }
        if let second = content.request.compareFormula { facts.append(("Compared with", second)) }
        let options = [
            content.request.labs.isEmpty ? nil : "labs " + content.request.labs.joined(separator: ", "),
            content.request.sweeps.isEmpty ? nil : "sweeps " + content.request.sweeps.joined(separator: ", "),
            "top \(content.request.top)", "detailed \(content.request.detailed) per lab",
        ].compactMap { $0 }
        facts.append(("Options", options.joined(separator: "; ")))
        return HTML.heading(2, "Overview", id: "overview") + HTML.facts(facts)
    }

    private var provenance: String {
        [
            HTML.heading(2, "Provenance", id: "provenance"),
            HTML.paragraph(
                "Every number here was read from the ledger's read models as of position \(content.position). In each lab table, runtime position is the event holding the backtest's runtime, metrics position the metrics.computed event whose values are shown, and body sha256 the SHA-256 of the runtime body as the server sent it. Check any of them:"
            ),
            "<ul>",
            "<li><code>haasledger log show --from N --to N --format ndjson</code>: the event at a position, its payload and hash</li>",
            "<li><code>haasledger history BACKTEST_ID</code>: every event of a backtest and its metrics after each</li>",
            "<li><code>haasledger log verify</code>: the hash chain and every blob's SHA-256</li>",
            "<li><code>haasledger report --at-position \(content.position)</code> writes this file again, byte for byte</li>",
            "</ul>",
        ].joined()
    }
}
