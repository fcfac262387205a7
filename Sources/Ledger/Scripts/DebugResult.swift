import Foundation
import HaasAPI

/// A debug run's log, with the compile errors read from it and, where one can be made, a suggestion for each.
public struct DebugResult: Sendable {
    public struct CompileError: Sendable, Equatable {
        public let line: Int
        public let column: Int
        public let message: String
        /// The nearest known name, for an unknown one.
        public let suggestion: String?
    }

    public let script: ScriptRecord
    public let messages: [String]
    public let errors: [CompileError]

    init(script: ScriptRecord, messages: [String]) {
        self.script = script
        self.messages = messages
        let known = Self.knownNames.union(Self.identifiers(in: script.source ?? ""))
        errors = messages.compactMap { Self.compileError($0, known: known) }
    }

    /// `Compile error (line L, column C): message`, as the log states one.
    static func compileError(_ line: String, known: Set<String>) -> CompileError? {
        let prefix = "Compile error (line "
        guard let start = line.range(of: prefix) else { return nil }
        let rest = line[start.upperBound...]
        guard let comma = rest.range(of: ", column "), let close = rest.range(of: "): "),
            let number = Int(rest[..<comma.lowerBound]), let column = Int(rest[comma.upperBound..<close.lowerBound])
        else { return nil }
        let message = String(rest[close.upperBound...])
        return CompileError(
            line: number, column: column, message: message, suggestion: suggestion(for: message, known: known))
    }

    /// For `unknown … 'Name'`: the known name nearest to it, when one is close enough to be a typo.
    static func suggestion(for message: String, known: Set<String>) -> String? {
        guard message.hasPrefix("unknown"), let open = message.firstIndex(of: "'"),
            let close = message[message.index(after: open)...].firstIndex(of: "'")
        else { return nil }
        return nearest(to: String(message[message.index(after: open)..<close]), in: known)
    }

    /// The known name nearest to `name`, when one is close enough to be a typo.
    static func nearest(to name: String, in known: Set<String>) -> String? {
        let ranked = known.filter { $0 != name }.map { ($0, editDistance(name, $0)) }
            .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
        guard let best = ranked.first, best.1 <= max(2, name.count / 3) else { return nil }
        return best.0
    }

    /// Levenshtein distance, case-sensitive.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// Words of the source that look like names.
    static func identifiers(in source: String) -> Set<String> {
        var names = Set<String>()
        var word = ""
        for character in source + " " {
            if character.isLetter || character.isNumber || character == "_" {
                word.append(character)
            } else {
                if let first = word.first, first.isLetter { names.insert(word) }
                word = ""
            }
        }
        return names
    }

    /// Common HaasScript commands, for suggestions (not a complete list).
    static let knownNames: Set<String> = [
        "ClosePrices", "OpenPrices", "HighPrices", "LowPrices", "VolumePrices", "CurrentPrice", "Input", "RSI",
        "EMA", "SMA", "MACD", "BBANDS", "ADX", "STOCH", "ATR", "HighestHigh", "LowestLow", "DoLong", "DoShort",
        "DoExitPosition", "StopLoss", "TakeProfit", "Log", "Plot", "CrossOver", "CrossUnder",
    ]
}
