import ArgumentParser
import Ledger

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "The optional TOML config file (--config FILE, $HAASLEDGER_CONFIG, else ./haasledger.toml).",
        subcommands: [Init.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a commented sample config file (every key, commented out).")
        @Option(name: [.short, .long], help: "Where to write it.") var output: String = LedgerConfiguration.defaultPath
        @Flag(help: "Replace the file if it exists.") var force = false

        func run() throws {
            try LedgerConfiguration.writeSample(to: output, replacing: force)
            StandardError.write("wrote \(output); uncomment the keys you want")
        }
    }
}
