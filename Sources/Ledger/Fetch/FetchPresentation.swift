import EventLog
import Foundation
import HaasAPI
import JSON

/// What the server commands print, worded here so the CLI only prints lines.
extension FetchSummary {
    /// The summary as one line of canonical JSON.
    public var jsonLine: String { CanonicalJSON.string(json) }

    /// The summary as a two-column table for people.
    public var tableLines: [String] {
        let rows: [[String]] = [
            ["run", runID.description], ["labs", String(labs)], ["backtests", String(backtests)],
            ["runtimes fetched", String(runtimesFetched)],
            ["runtimes skipped (already recorded)", String(runtimesSkipped)],
            ["logs fetched", String(logsFetched)], ["charts fetched", String(chartsFetched)],
            ["labs whose count differs from CB", String(countMismatches)], ["failures", String(failures)],
            ["HTTP exchanges", String(exchanges)], ["body bytes", String(bodyBytes)],
            ["events recorded", String(events)],
            ["seconds", String(format: "%.2f", seconds)],
        ]
        return TableRenderer(columns: [.init("FETCH"), .init("")]).render(rows, header: false)
    }
}

extension WatchService {
    /// One line per change `watch` records, for stderr.
    public static func changeLine(_ update: LabExecutionUpdate) -> String {
        "\(ReadableNumbers.labStatus(update.status)) progress \(update.progress.map { String($0) } ?? "?")% completed \(update.completedBacktests.map(String.init) ?? "?")"
    }
}

extension WatchService.Summary {
    public var line: String {
        "\(polls) polls, \(changes) changes recorded; final status \(ReadableNumbers.labStatus(finalStatus))"
    }
}

extension HistoryStatusService {
    /// The markets' sync status as a table.
    public static func tableLines(_ entries: [HistoryStatusEntry]) -> [String] {
        let rows = entries.map {
            [
                $0.market, $0.status.map(String.init) ?? "-", $0.status == 3 ? "yes" : "no",
                $0.maxMonths.map(String.init) ?? "-",
            ]
        }
        return TableRenderer(columns: [
            .init("MARKET"), .init("STATUS", rightAligned: true), .init("SYNCHED"),
            .init("MAX MONTHS", rightAligned: true),
        ]).render(rows)
    }
}
