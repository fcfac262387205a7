/// Reads the top-level `name=value` pairs of a pydantic repr such as
/// `lab_id='…' backtest_id='…' generation_idx=3 settings=Settings(account_id='…') parameters={…}`
/// (object reprs such as `<pyHaasAPI.X object at 0x…>` count as one bracketed value).
///
/// Only top-level pairs count: nested models repeat names (`account_id` inside `settings`), and a value is
/// taken only when its literal is unambiguous (a quoted string, an integer, `None`). Everything else is left
/// in the verbatim string the importer keeps.
enum PydanticRepr {
    enum Literal: Equatable {
        case string(String)
        case integer(Int64)
        case none
        /// Anything else (a float, a nested model, a dict): not interpreted.
        case other(String)
    }

    /// The top-level pairs in order, or nil when the text is not a repr (unbalanced quotes or brackets).
    static func pairs(_ text: String) -> [(name: String, value: Literal)]? {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        var result: [(String, Literal)] = []
        while index < scalars.count {
            while index < scalars.count, scalars[index] == " " { index += 1 }
            guard index < scalars.count else { break }
            let nameStart = index
            while index < scalars.count,
                scalars[index] == "_" || scalars[index].properties.isAlphabetic
                    || ("0"..."9").contains(scalars[index])
            {
                index += 1
            }
            guard index > nameStart, index < scalars.count, scalars[index] == "=" else { return nil }
            let name = String(String.UnicodeScalarView(scalars[nameStart..<index]))
            index += 1
            let valueStart = index
            var depth = 0
            while index < scalars.count {
                let scalar = scalars[index]
                if scalar == "'" || scalar == "\"" {
                    guard let end = closingQuote(scalars, from: index) else { return nil }
                    index = end + 1
                    continue
                }
                if "([{<".unicodeScalars.contains(scalar) { depth += 1 }
                if ")]}>".unicodeScalars.contains(scalar) {
                    depth -= 1
                    if depth < 0 { return nil }
                }
                if scalar == " " && depth == 0 { break }
                index += 1
            }
            guard depth == 0 else { return nil }
            result.append((name, literal(Array(scalars[valueStart..<index]))))
        }
        return result
    }

    private static func closingQuote(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        let quote = scalars[start]
        var index = start + 1
        while index < scalars.count {
            if scalars[index] == "\\" {
                index += 2
                continue
            }
            if scalars[index] == quote { return index }
            index += 1
        }
        return nil
    }

    private static func literal(_ scalars: [Unicode.Scalar]) -> Literal {
        let text = String(String.UnicodeScalarView(scalars))
        if text == "None" { return .none }
        if let integer = Int64(text) { return .integer(integer) }
        if let first = scalars.first, first == "'" || first == "\"", scalars.count >= 2, scalars.last == first,
            closingQuote(scalars, from: 0) == scalars.count - 1
        {
            return .string(unescape(scalars[1..<(scalars.count - 1)]))
        }
        return .other(text)
    }

    /// Python's string escapes that ids and names can contain; others are kept as written.
    private static func unescape(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var out = String.UnicodeScalarView()
        var iterator = scalars.makeIterator()
        while let scalar = iterator.next() {
            guard scalar == "\\", let next = iterator.next() else {
                out.append(scalar)
                continue
            }
            switch next {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "\\", "'", "\"": out.append(next)
            default:
                out.append(scalar)
                out.append(next)
            }
        }
        return String(out)
    }
}
