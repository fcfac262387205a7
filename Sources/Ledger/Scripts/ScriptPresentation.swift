import HaasAPI
import JSON

/// What the script commands print, worded here so the CLI only prints lines.
public enum ScriptPresentation {
    public static func listLines(_ scripts: [ScriptRecord], json: Bool) -> [String] {
        if json {
            return [
                CanonicalJSON.string(
                    .array(
                        scripts.map { script in
                            .object([
                                ("script_id", .string(script.scriptID)), ("name", .optional(script.name)),
                                ("type", .string(script.typeName)),
                                ("valid", script.valid.map(JSONValue.bool) ?? .null),
                                ("updated_at", .optional(script.updatedAt)),
                            ])
                        }))
            ]
        }
        return TableRenderer(columns: [
            .init("SCRIPT_ID"), .init("NAME"), .init("TYPE"), .init("VALID"), .init("UPDATED"),
        ])
        .render(
            scripts.map { script in
                [
                    script.scriptID, script.name ?? "", script.typeName,
                    script.valid.map { $0 ? "yes" : "no" } ?? "",
                    script.updatedAt.map { Timestamp.readable($0 * 1_000_000) } ?? "",
                ]
            })
    }

    /// `script quicktest`: compile errors as `script debug` prints them, or the run's headline and its log.
    public static func quickTestLines(_ result: QuickTestResult) -> [String] {
        guard result.debug.errors.isEmpty else { return debugLines(result.debug) }
        let name = result.debug.script.name ?? result.debug.script.scriptID
        var rows: [(String, String)] = [("quick test", name)]
        if let version = result.debug.script.version {
            rows.append(("script version", String(version.prefix(16)) + "…"))
        }
        if let positions = result.positions { rows.append(("positions", String(positions))) }
        if let roi = result.roi { rows.append(("ROI (server)", ReadableNumbers.significant(roi) + " %")) }
        if let profit = result.realizedProfits { rows.append(("realized profit", ReadableNumbers.significant(profit))) }
        if let win = result.winPercentage {
            rows.append(("win rate (server)", ReadableNumbers.significant(win) + " %"))
        }
        return TableRenderer.keyValue(rows) + [""] + result.debug.messages
    }

    /// `script debug`: compile errors compiler-style (`NAME:LINE:COL: error: message`, the source line and a
    /// caret, a suggestion where one can be made), or the debug log when it compiled.
    public static func debugLines(_ result: DebugResult) -> [String] {
        guard !result.errors.isEmpty else { return result.messages }
        let name = result.script.name ?? result.script.scriptID
        let source = (result.script.source ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(
            String.init)
        var lines: [String] = []
        for error in result.errors {
            lines.append("\(name):\(error.line):\(error.column): error: \(error.message)")
            if source.indices.contains(error.line - 1) {
                lines.append("    " + source[error.line - 1])
                lines.append("    " + String(repeating: " ", count: max(0, error.column - 1)) + "^")
            }
            if let suggestion = error.suggestion { lines.append("    did you mean '\(suggestion)'?") }
        }
        lines.append("\(result.errors.count) error\(result.errors.count == 1 ? "" : "s"); \(name) does not compile")
        return lines
    }

    public static func showLines(_ script: ScriptRecord, sourceOnly: Bool) -> [String] {
        let source = (script.source ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let body = source.last == "" ? Array(source.dropLast()) : source
        if sourceOnly { return body }
        return [
            "script   \(script.scriptID)", "name     \(script.name ?? "")", "type     \(script.typeName)",
            "valid    \(script.valid.map { $0 ? "yes" : "no" } ?? "unknown")",
            "version  \(script.version ?? "(no source in the reply)")", "",
        ] + body
    }
}
