import EventLogTesting
import Foundation
import JSON
import Testing

/// `--help` of every command, against the golden files in `Help/` (as swift-argument-parser's own tests pin
/// theirs). A changed flag or wording shows up in review as a changed file. After an intended change:
/// `HAASLEDGER_WRITE_GOLDENS=1 tools/test --filter HelpGoldenTests` rewrites them.
@Suite struct HelpGoldenTests {
    static let commands: [[String]] = [
        [], ["demo"], ["fetch"], ["watch"], ["history-status"], ["simulate"],
        ["metrics"], ["metrics", "formulas"], ["metrics", "recompute"], ["metrics", "check"],
        ["query"], ["query", "backtests"], ["query", "labs"], ["query", "executions"], ["query", "cutoffs"],
        ["query", "cache"], ["history"], ["diff"], ["sql"], ["export"], ["export", "csv"],
        ["project"], ["project", "rebuild"], ["project", "status"], ["project", "sync"], ["import"],
        ["log"], ["log", "append"], ["log", "show"], ["log", "verify"], ["log", "stats"], ["log", "export"],
        ["log", "import"], ["config"], ["config", "init"], ["script"], ["script", "list"], ["script", "show"],
        ["script", "debug"], ["query", "scripts"], ["backtest"], ["backtest", "run"], ["backtest", "status"],
        ["backtest", "cancel"], ["backtest", "archive"], ["backtest", "tag"], ["backtest", "delete"],
        ["backtest", "accounts"], ["lab"], ["lab", "create"], ["lab", "clone"], ["lab", "update"], ["lab", "start"],
        ["lab", "cancel"], ["lab", "delete"], ["lab", "run"], ["script", "quicktest"], ["sweep"], ["sweep", "run"],
        ["sweep", "resume"],
        ["sweep", "show"], ["sweep", "list"], ["sweep", "cancel"], ["query", "trials"], ["report"], ["export", "xlsx"],
    ]

    static let goldens = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Help")

    @Test(arguments: commands) func helpMatchesItsGolden(_ command: [String]) throws {
        let result = try ChildProcess.run("haasledger", command + ["--help"], environment: ["COLUMNS": "100"])
        #expect(result.status == 0, "\(result.stderr)")
        let file = Self.goldens.appendingPathComponent((["haasledger"] + command).joined(separator: "-") + ".txt")
        if ProcessInfo.processInfo.environment["HAASLEDGER_WRITE_GOLDENS"] == "1" {
            try result.stdout.write(to: file, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOf: file, encoding: .utf8)
        #expect(
            result.stdout == golden, "haasledger \(command.joined(separator: " ")) --help differs from \(file.path)")
    }

    /// What `tools/man` turns into man pages (swift-argument-parser's `generate-manual` reads this dump): one
    /// entry per command, each with its abstract, so every command gets a page that says what it does.
    @Test func theManualDumpHasEveryCommandWithItsAbstract() throws {
        let result = try ChildProcess.run("haasledger", ["--experimental-dump-help"])
        #expect(result.status == 0, "\(result.stderr)")
        let dump = try JSONParser.parse(result.stdout)
        var found: [[String]: String] = [:]
        func walk(_ command: JSONValue, path: [String]) {
            found[path] = command["abstract"]?.stringValue ?? ""
            guard case .array(let children)? = command["subcommands"] else { return }
            for child in children {
                guard let name = child["commandName"]?.stringValue, name != "help" else { continue }
                walk(child, path: path + [name])
            }
        }
        walk(try #require(dump["command"]), path: [])
        #expect(Set(found.keys) == Set(Self.commands), "\(Set(found.keys).symmetricDifference(Set(Self.commands)))")
        for (path, abstract) in found {
            #expect(!abstract.isEmpty, "haasledger \(path.joined(separator: " ")) has no abstract")
        }
    }

    /// Every subcommand the root lists has a golden, so a new command cannot go without one.
    @Test func everyListedCommandHasAGolden() throws {
        let root = try ChildProcess.run("haasledger", ["--help"], environment: ["COLUMNS": "100"])
        // The section lists `  name   abstract`; wrapped abstracts continue further indented, and a blank line ends it.
        let section = root.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            .drop { !$0.hasPrefix("SUBCOMMANDS:") }.dropFirst().prefix { !$0.isEmpty }
        let listed = Set(
            section.compactMap { line in
                line.hasPrefix("  ") && !line.hasPrefix("   ") ? line.split(separator: " ").first.map(String.init) : nil
            })
        let covered = Set(Self.commands.compactMap(\.first))
        #expect(!listed.isEmpty)
        #expect(listed.subtracting(covered).isEmpty, "no --help golden for: \(listed.subtracting(covered).sorted())")
    }
}
