import ArgumentParser
import Ledger

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Append to, read, verify, export and import the event log.",
        subcommands: [Append.self, Show.self, Verify.self, Stats.self, Export.self, Import.self]
    )

    struct Append: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append NDJSON events; every line is checked before any is appended.",
            discussion: """
                One JSON object per line: {"stream": "...", "type": "...", "payload": {...}} plus optional \
                "id", "expected_version", "observed_at", "correlation_id", "causation", "schema_version", "source".
                """)
        @OptionGroup var options: LedgerOption
        @OptionGroup var writer: WriterOptions
        @Argument(help: "NDJSON file, or - for standard input.") var file: String = "-"

        func run() throws {
            var service = LogService(location: try options.location, clock: try ClockSetting.fromEnvironment())
            service.writerPolicy = writer.policy
            try printLines([try service.append(path: file).description])
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print events (replay), filtered by position, stream, type or time.")
        @OptionGroup var options: LedgerOption
        @Option(help: "First position to show.") var from: UInt64 = 1
        @Option(help: "Last position to show.") var to: UInt64?
        @Option(help: "Only this stream, such as backtest:<id>.") var stream: String?
        @Option(help: "Only this event type.") var type: String?
        @Option(name: .customLong("as-of"), help: "Show the log as it was at this ISO-8601 time.") var asOf: String?
        @Option(help: "Show at most this many events.") var limit: Int?
        @Option(help: "table or ndjson.") var format: EventFormat = .table
        @Flag(help: "Keep printing new events until interrupted.") var follow = false
        @Option(help: "With --follow: seconds between polls.") var interval: Double = 0.5

        func validate() throws {
            if let to, to < from { throw ValidationError("--to \(to) is before --from \(from)") }
            if follow && asOf != nil {
                throw ValidationError("--follow shows new events; it cannot be combined with --as-of")
            }
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
            if interval <= 0 { throw ValidationError("--interval must be more than 0 seconds") }
            do { _ = try ReadModelService.Moment(asOf: asOf, atPosition: nil) } catch {
                throw ValidationError(String(describing: error))
            }
        }

        func run() async throws {
            let service = LogService(location: try options.location)
            let query = LogQuery(
                from: from, through: to ?? .max, stream: stream, type: type,
                asOf: try ReadModelService.Moment(asOf: asOf, atPosition: nil).time, limit: limit)
            let output = try OutputSink(path: nil)
            if follow {
                try await service.follow(
                    query, format: format, output: output, interval: .milliseconds(Int(interval * 1000)))
            } else {
                try service.show(query, format: format, output: output)
                try output.finish()
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-walk the hash chain, the indexes and every blob. Exit 3 names the first bad position.")
        @OptionGroup var options: LedgerOption
        @Option(name: .customLong("expect-head"), help: "A head hash kept earlier; the chain must still contain it.")
        var expectHead: String?
        @Option(help: "table or json.") var format: RecordFormat = .table

        func validate() throws {
            if let expectHead, !LogService.isHeadHash(expectHead) {
                throw ValidationError("--expect-head must be 64 hexadecimal digits")
            }
        }

        func run() throws {
            let (lines, failure) = try LogService(location: try options.location).verify(
                expectedHeadHex: expectHead, json: format == .json)
            try printLines(lines)
            if let failure { throw failure }
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Counts and sizes of the log.")
        @OptionGroup var options: LedgerOption
        @Option(help: "table or json.") var format: RecordFormat = .table

        func run() throws {
            try printLines(try LogService(location: try options.location).statsLines(json: format == .json))
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the whole log as canonical NDJSON, one event per line, blobs included.",
            discussion: """
                With --follow, lines go to standard output as events are appended, from --from on (resume a \
                consumer from its last position + 1); delivery is at least once, and position and hash let a \
                consumer drop duplicates and check the chain.
                """)
        @OptionGroup var options: LedgerOption
        @Argument(help: "Output file, or - for standard output.") var file: String = "-"
        @Flag(help: "Keep writing new events as they are appended, until interrupted.") var follow = false
        @Option(help: "With --follow: the first position to write.") var from: UInt64 = 1
        @Option(help: "With --follow: seconds between polls.") var interval: Double = 0.5
        @Option(help: "ndjson (the only format; for scripts that name it).") var format: ExportFormat = .ndjson

        enum ExportFormat: String, ExpressibleByArgument { case ndjson }

        func validate() throws {
            if from != 1 && !follow { throw ValidationError("--from applies to --follow (a whole export starts at 1)") }
            if follow && file != "-" { throw ValidationError("--follow writes to standard output") }
            if interval <= 0 { throw ValidationError("--interval must be more than 0 seconds") }
        }

        func run() async throws {
            let service = LogService(location: try options.location)
            if follow {
                try await service.exportFollowing(
                    from: from, output: try OutputSink(path: nil), interval: .milliseconds(Int(interval * 1000)))
                return
            }
            let count = try service.export(to: try OutputSink(path: file))
            if file != "-" { StandardError.write("exported \(count) events to \(file)") }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild a log from an export into an empty ledger; the head hash must come out the same.")
        @OptionGroup var options: LedgerOption
        @OptionGroup var writer: WriterOptions
        @Argument(help: "An export file, or - for standard input.") var file: String

        func run() throws {
            var service = LogService(location: try options.location)
            service.writerPolicy = writer.policy
            try printLines([try service.importExportLine(try LineSource.read(file))])
        }
    }
}
