import EventLog
import JSON

/// Prints a verify report for people or for scripts.
public enum VerifyPresentation {
    public enum Style { case text, json }

    public static func lines(_ report: VerifyReport, format: Style) -> [String] {
        switch format {
        case .json:
            let json: JSONValue = .object([
                ("ok", .bool(report.isValid)),
                ("events_checked", .number(report.eventsChecked)),
                ("blobs_checked", .number(UInt64(report.blobsChecked))),
                ("head_position", .number(report.head?.position ?? 0)),
                ("head_hash", report.head.map { .string($0.hash.hex) } ?? .null),
                ("expected_head_found", report.expectedHeadFound.map(JSONValue.bool) ?? .null),
                ("first_bad_position", report.problem.map { .number($0.position) } ?? .null),
                ("problem", report.problem.map { .string($0.reason) } ?? .null),
            ])
            return [CanonicalJSON.string(json)]
        case .text:
            var lines = [
                "events checked: \(report.eventsChecked)",
                "blobs checked:  \(report.blobsChecked)",
                "head:           \(report.head.map { "\($0.position) \($0.hash.hex)" } ?? "(empty log)")",
            ]
            if let found = report.expectedHeadFound {
                lines.append(
                    "expected head:  \(found ? "found in the chain" : "NOT in the chain (truncated or rewritten)")")
            }
            lines.append(report.isValid ? "ok" : "FAILED: \(failureSummary(report))")
            return lines
        }
    }

    public static func failureSummary(_ report: VerifyReport) -> String {
        if let problem = report.problem {
            return problem.position > 0 ? "first bad position \(problem.position): \(problem.reason)" : problem.reason
        }
        if report.expectedHeadFound == false { return "the expected head hash is not in the chain" }
        return "no problem"
    }
}
