import BacktestMetrics
import Crypto
import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents
import SQLiteKit

extension CacheFileParser {
    // MARK: data/history_cutoffs

    /// Each market's cutoff becomes `history.cutoff.recorded`, method `imported`. Its id derives from the
    /// market and dates, so the same record found in a backup and in the live file is recorded once.
    func cutoffs(_ file: CacheFile, kind: CacheFileKind, _ ids: inout FactIDs) throws(CacheFileProblem)
        -> ParsedCacheFile
    {
        let json = try CacheFileParser.object(file.bytes)
        guard case .object(let markets)? = json["cutoffs"] else {
            throw CacheFileProblem("cutoffs", json["cutoffs"] == nil ? "missing" : "expected an object")
        }
        var parsed = ParsedCacheFile(
            kind: kind,
            details: [
                ("version", json["version"] ?? .null), ("created", json["created"] ?? .null),
                ("last_updated", json["last_updated"] ?? .null), ("markets", .number(markets.count)),
            ])
        for (market, entry) in markets {
            guard case .object = entry else {
                throw CacheFileProblem("cutoffs.\(market)", "expected an object, found \(entry.kindName)")
            }
            guard case .string(let cutoff)? = entry["cutoff_date"], let cutoffAt = Timestamp.parse(cutoff) else {
                throw CacheFileProblem("cutoffs.\(market).cutoff_date", "missing or not an ISO-8601 date")
            }
            let discovered = entry["discovery_date"]?.stringValue
            let metadata = entry["discovery_metadata"]
            let members: [(key: String, value: JSONValue)] = [
                ("market", .string(market)), ("cutoff", .string(cutoff)), ("cutoff_at", .number(cutoffAt)),
                ("method", .string("imported")),
                ("discovery_method", metadata?["discovery_method"] ?? .null),
                ("precision_hours", entry["precision_hours"] ?? .null),
                ("discovery_date", .optional(discovered)),
                ("tests_performed", metadata?["tests_performed"] ?? .null),
                ("simulated", .bool(true)),
                (
                    "note",
                    .string(
                        "pyHaasAPI's cutoff discovery tested availability against hard-coded dates (haas-api.md §2.7): not measured on a server"
                    )
                ),
            ]
            parsed.facts.append(
                EventDraft(
                .cutoffRecorded, id: EventID.derived(
                        from: "\(EventType.cutoffRecorded.name)|imported|\(market)|\(cutoff)|\(discovered ?? "")"),
                    stream: RecorderStreams.market(market), payload: Payload(.object(members)),
                    observedAt: discovered.flatMap(Timestamp.parse)))
        }
        return parsed
    }
}
