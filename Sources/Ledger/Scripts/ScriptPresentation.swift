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
        return TableRenderer(columns: [.init("SCRIPT_ID"), .init("NAME"), .init("TYPE"), .init("VALID"), .init("UPDATED")])
            .render(
                scripts.map { script in
                    [
                        script.scriptID, script.name ?? "", script.typeName,
                        script.valid.map { $0 ? "yes" : "no" } ?? "",
                        script.updatedAt.map { Timestamp.readable($0 * 1_000_000) } ?? "",
                    ]
                })
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
