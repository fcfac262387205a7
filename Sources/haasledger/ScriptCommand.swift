import ArgumentParser
import Ledger

struct ScriptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "script",
        abstract: "The server's HaasScripts: list them, show one with its source; every reply is recorded.",
        subcommands: [List.self, Show.self, Debug.self, QuickTest.self])

    struct QuickTest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "quicktest",
            abstract:
                "A quick test of a script (EXECUTE_QUICKTEST): a brief backtest, answered at once; compile errors exit 1."
        )
        @OptionGroup var session: ServerSession
        @Argument(help: "The script id.") var scriptID: String
        @OptionGroup var settings: ScriptSettingsOptions

        func validate() throws {
            if settings.market == nil || settings.account == nil {
                throw ValidationError("--market and --account are required")
            }
        }

        func run() async throws {
            let result = try await session.service(ScriptService.self).quickTest(
                scriptID: scriptID, settings: try settings.settings(), client: try session.client())
            try printLines(ScriptPresentation.quickTestLines(result))
            if !result.debug.errors.isEmpty { throw ExitCode(1) }
        }
    }

    struct Debug: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A debug run of a script (EXECUTE_DEBUGTEST); compile errors as NAME:LINE:COL: error: …, exit 1.")
        @OptionGroup var session: ServerSession
        @Argument(help: "The script id.") var scriptID: String
        @OptionGroup var settings: ScriptSettingsOptions

        func run() async throws {
            let result = try await session.service(ScriptService.self).debug(
                scriptID: scriptID, settings: settings.isEmpty ? nil : try settings.settings(),
                client: try session.client())
            try printLines(ScriptPresentation.debugLines(result))
            if !result.errors.isEmpty { throw ExitCode(1) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every script of the account (GET_ALL_SCRIPT_ITEMS), recorded as haas.script.observed.")
        @OptionGroup var session: ServerSession
        @Option(help: "table or json.") var format: RecordFormat = .table

        func run() async throws {
            let scripts = try await session.service(ScriptService.self).list(client: try session.client())
            try printLines(ScriptPresentation.listLines(scripts, json: format == .json))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One script with its source (GET_SCRIPT_RECORD); the source is kept, its SHA-256 is the version.")
        @OptionGroup var session: ServerSession
        @Argument(help: "The script id.") var scriptID: String
        @Flag(name: .customLong("source-only"), help: "Print only the source.") var sourceOnly = false

        func run() async throws {
            let script = try await session.service(ScriptService.self).show(
                scriptID: scriptID, client: try session.client())
            try printLines(ScriptPresentation.showLines(script, sourceOnly: sourceOnly))
        }
    }
}

/// The ledger, the server and the writer policy: what every command that talks to the server needs.
struct ServerSession: ParsableArguments {
    @OptionGroup var options: LedgerOption
    @OptionGroup var serverOptions: ServerOptions
    @OptionGroup var writer: WriterOptions

    func service<Service: RecordingService>(_ type: Service.Type = Service.self) throws -> Service {
        try makeService(location: try options.location, writer: writer)
    }

    func client() throws -> ServerClientConfiguration {
        try serverOptions.connection.clientConfiguration(configuration: try options.configuration)
    }
}

func makeService<Service: RecordingService>(location: LedgerLocation, writer: WriterOptions) throws -> Service {
    Service.make(location: location, clock: try ClockSetting.fromEnvironment(), writerPolicy: writer.policy)
}
