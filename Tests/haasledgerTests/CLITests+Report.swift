import EventLogTesting
import Foundation
import JSON
import Testing

/// `haasledger report` on a demo ledger with two labs, a revision fetched, two formulas and a sweep.
extension CLITests {
    static let browser = HeadlessBrowser.find()

    /// A demo ledger: 2 labs × 30 backtests, a revision that changed some, canonical@1 and @2, and a sweep.
    func reportLedger() throws -> String {
        let ledger = directory.appending("report-ledger")
        let demo = try run(["demo", "--ledger", ledger, "--labs", "2", "--backtests", "30", "--revision", "2"])
        #expect(demo.status == 0, "\(demo.stderr)")
        return ledger
    }

    @Test func reportIsSelfContainedAndTheSameBytesForTheSamePosition() throws {
        let ledger = try reportLedger()
        let first = directory.appending("first.html")
        let written = try run([
            "report", "--ledger", ledger, "-o", first, "--compare-formula", "canonical@1", "--since", "#200",
        ])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout.isEmpty && written.stderr.hasPrefix("wrote \(first) ("), "\(written.stderr)")
        let html = try String(contentsOfFile: first, encoding: .utf8)
        // Reproducible: the same position and options give the same bytes (to stdout as to a file).
        let again = try run([
            "report", "--ledger", ledger, "--compare-formula", "canonical@1", "--since", "#200",
        ])
        let same = again.stdout == html
        #expect(again.status == 0 && same)
        // Self-contained: nothing is loaded from anywhere, and the page says so to the browser.
        #expect(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'"))
        for outside in ["src=", "url(", "@import", "href=\"http", "<link", "<img", "<iframe"] {
            let refers = html.contains(outside)
            #expect(!refers, "the report refers outside itself: \(outside)")
        }
        // The sections and the position they were read at.
        let stats = try run(["log", "stats", "--ledger", ledger, "--format", "json"])
        let head = try JSONParser.parse(stats.stdout)
        let position = head["head_position"]?.numberValue?.canonicalText ?? "?"
        let hash = head["head_hash"]?.stringValue ?? "?"
        let header = html.contains("Read at log position \(position) ") && html.contains("event hash \(hash).")
        #expect(header)
        for section in [
            "data-part=\"overview\"", "Distribution of total return", "Pareto front", "Win rate against profit factor",
            "Equity (realized, daily)", "Underwater", "Monthly returns", "Trades (", "data-part=\"sweep-",
            "by trial (green: best so far)", "Parallel coordinates", "data-part=\"over-time\"", "after each fetch",
            "What changed since position 200", "Formula change: canonical@2 → canonical@1", "data-part=\"provenance\"",
        ] {
            let present = html.contains(section)
            #expect(present, "missing: \(section)")
        }
        // Provenance: a row's runtime position holds the event whose body hash the row shows.
        let row = try #require(
            html.range(
                of:
                    #"<td class="num" data-v="\d+">\d+</td><td class="num" data-v="\d+">\d+</td><td data-tip="[0-9a-f]{64}""#,
                options: .regularExpression))
        let cells = html[row].split(separator: "\"")
        let runtimePosition = String(cells[3])
        let body = String(cells[9])
        let shown = try run([
            "log", "show", "--ledger", ledger, "--from", runtimePosition, "--to", runtimePosition, "--format", "ndjson",
        ])
        #expect(shown.stdout.contains(#""body_sha256":"\#(body)""#), "\(shown.stdout.prefix(400))")
        // An earlier position is another report, which says which.
        let earlier = try run(["report", "--ledger", ledger, "--at-position", "100"])
        let other = earlier.stdout != html && earlier.stdout.contains("Read at log position 100 ")
        #expect(earlier.status == 0 && other)
    }

    @Test func reportRefusesWhatItCannotShowNamingTheFlag() throws {
        let ledger = try reportLedger()
        for (arguments, status, message) in [
            (["--lab", "nosuchlab"], Int32(2), "error: --lab: no lab nosuchlab as of position "),
            (["--sweep", "nosuchsweep"], 2, "error: --sweep: no sweep nosuchsweep as of position "),
            (
                ["--compare-formula", "canonical@9"], 2,
                "error: --compare-formula: no formula 'canonical@9' was recorded"
            ),
            (["--formula", "canonical@9"], 2, "error: --formula: no formula 'canonical@9' was recorded"),
            (["--since", "yesterday"], 2, "Error: --since 'yesterday' is neither an ISO-8601 time nor a position"),
            (["--top", "0"], 2, "Error: --top must be at least 1"),
            (
                ["-o", directory.appending("no/such/dir/r.html")], 1,
                "error: \(directory.appending("no/such/dir/r.html")): "
            ),
        ] {
            let refused = try run(["report", "--ledger", ledger] + arguments)
            #expect(refused.status == status && refused.stderr.hasPrefix(message), "\(arguments): \(refused.stderr)")
        }
        let empty = try run(["report", "--ledger", directory.appending("none")])
        #expect(empty.status != 0 && empty.stderr.contains("no ledger at"))
    }

    @Test(.enabled(if: browser != nil, "needs Chromium (tools/setup installs Debian's chromium)"))
    func reportRendersInARealBrowserWithoutErrorsOrNetwork() throws {
        let browser = try #require(Self.browser)
        let ledger = try reportLedger()
        let report = directory.appending("report.html")
        let written = try run(["report", "--ledger", ledger, "-o", report, "--compare-formula", "canonical@1"])
        #expect(written.status == 0, "\(written.stderr)")
        let probed = directory.appending("probed.html")
        try HeadlessBrowser.probed(try String(contentsOfFile: report, encoding: .utf8))
            .write(toFile: probed, atomically: true, encoding: .utf8)
        let probe = try HeadlessBrowser.probe(in: try browser.dumpDOM(probed))
        #expect(probe["errors"] == .array([]), "script errors: \(probe["errors"].map(CanonicalJSON.string) ?? "")")
        #expect(probe["ready"]?.stringValue == "1", "the report's script did not finish")
        #expect(probe["resources"] == .array([]), "fetched: \(probe["resources"].map(CanonicalJSON.string) ?? "")")
        guard case .array(let boxes)? = probe["svgs"] else { Issue.record("no svg sizes"); return }
        #expect(boxes.count >= 10, "\(boxes.count) charts")
        for box in boxes {
            guard case .array(let size) = box, size.count == 2 else { continue }
            #expect(
                size.allSatisfy { ($0.numberValue?.doubleValue ?? 0) > 10 },
                "an empty chart: \(CanonicalJSON.string(box))")
        }
        // One click on "total return" sorts the column from the highest down, empty cells last.
        #expect(probe["heading"]?.stringValue?.contains("desc") == true)
        guard case .array(let column)? = probe["sorted"] else { Issue.record("no sorted column"); return }
        let values = column.compactMap { $0.numberValue?.doubleValue }
        #expect(values.count >= 2 && values == values.sorted(by: >), "\(values)")
        // A screenshot that is not blank.
        let png = directory.appending("report.png")
        try browser.screenshot(report, to: png)
        #expect(try HeadlessBrowser.distinctColours(png) > 20)
    }
}
