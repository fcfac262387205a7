import EventLogTesting
import Foundation
import Testing

/// The TOML config file: `config init`, what it sets, and every way it can be wrong.
extension CLITests {
    func writeConfig(_ text: String, in folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try text.write(toFile: folder + "/haasledger.toml", atomically: true, encoding: .utf8)
    }

    @Test func configInitWritesASampleThatReadsAsNothingSet() throws {
        let folder = directory.appending("init")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let written = try run(["config", "init"], workingDirectory: folder)
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stderr == "wrote ./haasledger.toml; uncomment the keys you want\n")
        let sample = try String(contentsOfFile: folder + "/haasledger.toml", encoding: .utf8)
        #expect(sample.contains("# formula = \"canonical@2\"") && sample.contains("[server]"))
        let again = try run(["config", "init"], workingDirectory: folder)
        #expect(again.status == 2 && again.stderr.contains("./haasledger.toml exists; give --force to replace it"))
        #expect(try run(["config", "init", "--force"], workingDirectory: folder).status == 0)
        // Everything in the sample is commented out, so it changes nothing.
        let check = try run(
            ["metrics", "check", CLITests.vectors + "/v3_edge_cases.json"], workingDirectory: folder)
        #expect(check.status == 0 && check.stdout.hasSuffix("match canonical@2 (the default)\n"), "\(check.stderr)")
    }

    @Test func theConfigFileSetsTheLedgerAndTheFormula() throws {
        let folder = directory.appending("project")
        try writeConfig("ledger = \"data\"\nformula = \"canonical@1\"\n", in: folder)
        let appended = try run(["log", "append"], stdin: CLITests.input, workingDirectory: folder)
        #expect(appended.status == 0, "\(appended.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder + "/data/log/data.mdb"), "relative to the config file")
        let check = try run(
            ["metrics", "check", CLITests.vectors + "/v1_crypto_daily_long_short.json"], workingDirectory: folder)
        #expect(check.stdout.hasSuffix("match canonical@1 (from ./haasledger.toml: formula)\n"))
        // The environment wins over the file, and a flag over both.
        let environment = try run(
            ["metrics", "check", CLITests.vectors + "/v1_crypto_daily_long_short.json"],
            environment: ["HAASLEDGER_FORMULA": "canonical@2"], workingDirectory: folder)
        #expect(environment.stdout.hasSuffix("match canonical@2 (from HAASLEDGER_FORMULA)\n"))
        // --config names another file, from anywhere.
        let elsewhere = try run(
            [
                "metrics", "check", CLITests.vectors + "/v1_crypto_daily_long_short.json", "--config",
                folder + "/haasledger.toml",
            ])
        #expect(elsewhere.stdout.hasSuffix("match canonical@1 (from \(folder)/haasledger.toml: formula)\n"))
    }

    @Test(arguments: [
        (
            "formulas = \"canonical@1\"\n",
            "error: ./haasledger.toml: formulas: unknown key (known: ledger, formula, server)"
        ),
        (
            "[server]\nurl = \"http://x\"\npassword = \"secret\"\n",
            "error: ./haasledger.toml: server.password: a password does not belong in a config file"
        ),
        (
            "[server]\nconcurrency = \"four\"\n",
            "error: ./haasledger.toml: server.concurrency: expected an integer, found a string"
        ),
        ("[server]\nconcurrency = 0\n", "error: ./haasledger.toml: server.concurrency: must be at least 1"),
        ("formula = 2\n", "error: ./haasledger.toml: formula: expected a string, found an integer"),
        ("ledger = \"a\"\nledger = \"b\"\n", "error: ./haasledger.toml: line 2: "),
        ("formula = \"canonical@1\n", "error: ./haasledger.toml: line 1: "),
    ])
    func aWrongConfigFileIsAnInputErrorNamingTheKey(text: String, message: String) throws {
        let folder = directory.appending("wrong")
        try writeConfig(text, in: folder)
        let result = try run(["query", "labs"], workingDirectory: folder)
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
    }

    @Test func aNamedConfigFileThatIsMissingIsAnInputError() throws {
        let result = try run(["query", "labs", "--config", directory.appending("nosuch.toml")])
        #expect(result.status == 2)
        #expect(result.stderr == "error: \(directory.appending("nosuch.toml")): no such config file\n")
    }
}

extension CLITests {
    /// `--version` names the release, the log format and the formula sets (issue 14 §3), so an audit can say
    /// which build produced a number.
    @Test func versionNamesTheFormatAndTheFormulas() throws {
        let version = try run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout == "haasledger 0.2.0 (log format 4; formulas canonical@1, canonical@2)\n")
    }

    /// Shell completion (issue 14 §3): the scripts ArgumentParser writes offer every metric name for `--sort`.
    @Test(arguments: ["bash", "zsh", "fish"])
    func completionOffersMetricNamesForSort(shell: String) throws {
        let script = try run(["--generate-completion-script", shell])
        #expect(script.status == 0, "\(script.stderr)")
        for metric in ["total_return", "sortino_ratio", "max_drawdown", "profit_factor"] {
            #expect(script.stdout.contains(metric), "\(shell): \(metric)")
        }
    }
}
