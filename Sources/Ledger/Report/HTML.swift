/// The few pieces of HTML the report writes: escaped text, and tables of readable numbers that sort by the exact
/// ones (each numeric cell carries its full-precision value in `data-v` for the report's script).
enum HTML {
    /// Text safe inside elements and double-quoted attributes.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// `<h2 id="…">` and friends.
    static func heading(_ level: Int, _ text: String, id: String? = nil) -> String {
        "<h\(level)\(id.map { " id=\"\(escape($0))\"" } ?? "")>\(escape(text))</h\(level)>"
    }

    static func paragraph(_ text: String, className: String? = nil) -> String {
        "<p\(className.map { " class=\"\($0)\"" } ?? "")>\(escape(text))</p>"
    }

    /// A definition list of label → value, for the overview and the provenance notes.
    static func facts(_ pairs: [(String, String)]) -> String {
        "<dl class=\"facts\">" + pairs.map { "<dt>\(escape($0.0))</dt><dd>\(escape($0.1))</dd>" }.joined() + "</dl>"
    }

    /// `table` as a sortable HTML table: headers click to sort, numbers are shown readably (`ReadableNumbers`)
    /// with their exact value kept for sorting, and long ids shortened with the full text as a tooltip.
    /// `links` maps a column to the anchor a cell's text links to (nil: no link for that cell).
    static func table(
        _ table: ResultTable, caption: String? = nil, links: [String: (String) -> String?] = [:]
    ) -> String {
        var html = "<div class=\"scroll\"><table class=\"sortable\">"
        if let caption { html += "<caption>\(escape(caption))</caption>" }
        html += "<thead><tr>"
        let numeric = table.columns.indices.map { index in table.rows.contains { $0[index].isNumeric } }
        for (index, column) in table.columns.enumerated() {
            html += "<th\(numeric[index] ? " class=\"num\"" : "")>\(escape(column.replacingUnderscores))</th>"
        }
        html += "</tr></thead><tbody>"
        let shown = table.renderedCells(raw: false)
        for (row, texts) in zip(table.rows, shown) {
            html += "<tr>"
            for (index, (cell, text)) in zip(row, texts).enumerated() {
                html += cellHTML(cell, text: text, numeric: numeric[index], link: links[table.columns[index]])
            }
            html += "</tr>"
        }
        return html + "</tbody></table></div>"
    }

    /// A cell; an empty one in a column of numbers sorts as nothing (last), not as text.
    private static func cellHTML(_ cell: ResultTable.Cell, text: String, numeric: Bool, link: ((String) -> String?)?)
        -> String
    {
        var attributes = ""
        if cell.isNumeric || (numeric && cell == .null) {
            attributes += " class=\"num\" data-v=\"\(sortKey(cell))\""
        }
        var shownText = text
        if case .text(let full) = cell, ResultTable.looksLikeID(full) || isDigest(full) {
            shownText = String(full.prefix(8)) + "…" + String(full.suffix(4))
            attributes += " data-tip=\"\(escape(full))\""
        }
        var content = escape(shownText)
        if case .text(let full) = cell, let anchor = link?(full) {
            content = "<a href=\"#\(escape(anchor))\">\(content)</a>"
        }
        return "<td\(attributes)>\(content)</td>"
    }

    /// A SHA-256 in hex, shown shortened like an id.
    private static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// What a numeric cell sorts by: its exact value, ±inf as such, undefined and empty as nothing (last).
    private static func sortKey(_ cell: ResultTable.Cell) -> String {
        switch cell {
        case .integer(let value): return String(value)
        case .number(let value) where value.isFinite: return cell.plain
        case .number(let value): return value.isNaN ? "" : value > 0 ? "Infinity" : "-Infinity"
        case .nonNumber(let text): return text == "+inf" ? "Infinity" : text == "-inf" ? "-Infinity" : ""
        case .null, .text: return ""
        }
    }

    /// An id fit for an anchor: letters, digits, `-` and `_` kept, the rest as `_`.
    static func anchor(_ prefix: String, _ id: String) -> String {
        prefix + "-"
            + String(
                id.unicodeScalars.map { scalar -> Character in
                    let isAllowed =
                        (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z")
                        || (scalar >= "0" && scalar <= "9") || scalar == "-" || scalar == "_"
                    return isAllowed ? Character(scalar) : "_"
                })
    }
}

extension String {
    /// `total_return` as a column heading reads it: `total return`.
    var replacingUnderscores: String {
        String(map { $0 == "_" ? " " : $0 })
    }
}
