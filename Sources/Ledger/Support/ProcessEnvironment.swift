import Platform

#if canImport(Glibc)
    import Glibc
#endif

/// The process's environment, read once per call (flags win over it; `.env` files come after it).
public enum ProcessEnvironment {
    public static var values: [String: String] {
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

/// Messages and progress for people, on standard error; data goes to `OutputSink`.
public enum StandardError {
    public static func write(_ text: String, newline: Bool = true) {
        var line = text
        if newline && !line.hasSuffix("\n") { line += "\n" }
        try? writeAll(STDERR_FILENO, Array(line.utf8))
    }

    /// True when standard error is a terminal, so progress lines are worth drawing.
    public static var isTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}

