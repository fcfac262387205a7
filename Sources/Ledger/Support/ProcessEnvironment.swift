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

    /// Draws `text` as the progress line: redrawn in place on a terminal; one line each when
    /// `HAASLEDGER_PROGRESS=lines` (for logs, and for the crash drill, which kills a command at its k-th line);
    /// else nothing, so pipes stay quiet.
    public static func progress(_ text: String) {
        if isTerminal {
            write("\r\u{1B}[K" + text, newline: false)
        } else if progressAsLines {
            write(text)
        }
    }

    /// Whether `progress` draws anything: when it would not, a command need not build its progress lines.
    public static var showsProgress: Bool { isTerminal || progressAsLines }

    /// Clears a progress line left on the terminal, so what follows starts a line.
    public static func endProgress() {
        if isTerminal { write("\r\u{1B}[K", newline: false) }
    }

    private static let progressAsLines = getenv("HAASLEDGER_PROGRESS").map { String(cString: $0) } == "lines"
}
