import BacktestMetrics
import Crypto
import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents
import SQLiteKit

extension CacheFileParser {
    // MARK: derived reports

    func report(_ file: CacheFile, kind: CacheFileKind) throws(CacheFileProblem) -> ParsedCacheFile {
        var details: [(key: String, value: JSONValue)] = [("derived", .bool(true)), ("trusted", .bool(false))]
        if file.path.hasSuffix(".csv") {
            let records: [[String]]
            do { records = try CSVReader.records(file.bytes) } catch {
                throw CacheFileProblem(nil, String(describing: error))
            }
            guard let header = records.first, !header.isEmpty, header != [""] else {
                throw CacheFileProblem(nil, "empty CSV: no header row")
            }
            for (index, record) in records.enumerated().dropFirst() where record.count != header.count {
                throw CacheFileProblem(
                    "row \(index + 1)", "has \(record.count) fields, the header has \(header.count)")
            }
            details += [("columns", .array(header.map(JSONValue.string))), ("rows", .number(records.count - 1))]
            if kind == .labBacktestAnalytics {
                details.append(
                    (
                        "known_defects",
                        .array([
                            .string("max_drawdown holds RM, the ROI margin, not a drawdown"),
                            .string("generation and population are empty"),
                        ])
                    ))
            }
        } else {
            let json = try CacheFileParser.json(file.bytes)
            guard case .object(let members) = json else {
                throw CacheFileProblem(nil, "expected a JSON object, found \(json.kindName)")
            }
            details.append(("keys", .array(members.map { .string($0.key) })))
        }
        return ParsedCacheFile(kind: kind, details: details)
    }
}
