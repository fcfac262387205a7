import ArgumentParser
import EventLog
import Ledger
import Platform

#if canImport(Glibc)
    import Glibc
#endif

/// `--ledger PATH`, shared by every command.
struct LedgerOption: ParsableArguments {
    @Option(name: .long, help: "The ledger directory (default: $HAASLEDGER_PATH, else ./haasledger-data).")
    var ledger: String?

    var location: LedgerLocation {
        LedgerLocation.resolve(flag: ledger, environment: ProcessEnvironment.values)
    }

    /// The ledger clock for commands that record events: the system clock, or `HAASLEDGER_CLOCK` when set.
    func clock() throws -> any LedgerClock {
        try ClockSetting.resolve(environment: ProcessEnvironment.values)
    }
}

enum ProcessEnvironment {
    static var values: [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}

enum FileHandleOutput {
    static func standardError(_ text: String, newline: Bool = true) {
        var line = text
        if newline && !line.hasSuffix("\n") { line += "\n" }
        try? writeAll(STDERR_FILENO, Array(line.utf8))
    }
}

/// Runs a command body, printing any failure as `error: …` on stderr and exiting with the ledger's code.
func reportingFailures<R>(_ body: () async throws -> R) async throws -> R {
    do {
        return try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        FileHandleOutput.standardError("error: \(error)")
        throw ExitCode(ExitStatus.code(for: error))
    }
}

extension EventFormat: ExpressibleByArgument {}

/// `table` or `json`, for commands that print one record.
enum RecordFormat: String, CaseIterable, ExpressibleByArgument {
    case table
    case json
}
