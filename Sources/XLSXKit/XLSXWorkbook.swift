import CXlsxWriter

#if canImport(Glibc)
    import Glibc
#endif

/// A value in a cell.
public enum XLSXValue: Sendable, Equatable {
    case number(Double)
    case text(String)
    /// Seconds since the epoch, stored as an Excel date (days since 1899-12-30) and shown as a date and time.
    case time(Double)
    case empty
}

/// How a column shows its numbers (the number stays exact; only the display changes).
public enum XLSXStyle: Sendable, Hashable, CaseIterable {
    case general, integer, decimal, percent, currency, dateTime

    var numberFormat: String? {
        switch self {
        case .general: return nil
        case .integer: return "0"
        case .decimal: return "0.0000"
        case .percent: return "0.00%"
        case .currency: return "#,##0.00"
        case .dateTime: return "yyyy-mm-dd hh:mm:ss"
        }
    }
}

/// A workbook written through libxlsxwriter in constant-memory mode: each row goes to a temporary file as soon as
/// it is written, so memory stays flat however many rows a sheet has (rows are written in order, top to bottom).
/// The file appears under its name only once it is complete. The C handle lives only inside `write`'s closure.
public final class XLSXWorkbook {
    /// The most rows below the header a sheet can hold: Excel's last row is 1,048,576, and the header takes one.
    public static let maximumRows = 1_048_575

    private let handle: UnsafeMutablePointer<lxw_workbook>
    private var formats: [XLSXStyle: UnsafeMutablePointer<lxw_format>] = [:]
    private let headerFormat: UnsafeMutablePointer<lxw_format>
    private var sheets: [XLSXSheet] = []
    let path: String
    /// Rows below the header before a sheet continues on the next one ("trades", then "trades 2").
    let rowsPerSheet: Int

    private init(handle: UnsafeMutablePointer<lxw_workbook>, path: String, rowsPerSheet: Int) {
        self.handle = handle
        self.path = path
        self.rowsPerSheet = rowsPerSheet
        headerFormat = workbook_add_format(handle)
        format_set_bold(headerFormat)
        format_set_bottom(headerFormat, UInt8(LXW_BORDER_THIN.rawValue))
        for style in XLSXStyle.allCases {
            let format = workbook_add_format(handle)!
            if let code = style.numberFormat { format_set_num_format(format, code) }
            formats[style] = format
        }
    }

    /// Writes the workbook `body` fills to `path`: into `path.partial-PID`, renamed over `path` once closed, and
    /// removed when anything fails. `temporaryDirectory` holds the row files (on the disk, not in memory). A sheet
    /// that fills `rowsPerSheet` rows (at most, and by default, Excel's limit) goes on in a new sheet of the same
    /// columns, named with the next number.
    public static func write<R>(
        to path: String, temporaryDirectory: String, rowsPerSheet: Int = maximumRows, _ body: (XLSXWorkbook) throws -> R
    ) throws -> R {
        guard (1...maximumRows).contains(rowsPerSheet) else {
            throw XLSXError(
                message: "\(rowsPerSheet) rows per sheet; a sheet holds 1 to 1,048,575 rows below its header",
                context: "create \(path)")
        }
        let partial = partialPath(for: path)
        let handle = temporaryDirectory.withCString { directory in
            var options = lxw_workbook_options(
                constant_memory: UInt8(LXW_TRUE.rawValue), tmpdir: UnsafeMutablePointer(mutating: directory),
                use_zip64: UInt8(LXW_TRUE.rawValue))
            return workbook_new_opt(partial, &options)
        }
        guard let handle else {
            throw XLSXError(message: String(cString: strerror(errno)), context: "create \(path)")
        }
        let workbook = XLSXWorkbook(handle: handle, path: path, rowsPerSheet: rowsPerSheet)
        let result: R
        do {
            result = try body(workbook)
        } catch {
            workbook_close(handle)
            unlink(partial)
            throw error
        }
        for sheet in workbook.sheets { sheet.finish() }
        do {
            try XLSXError.check(workbook_close(handle), "write \(path)")
        } catch {
            unlink(partial)
            throw error
        }
        guard rename(partial, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(partial)
            throw XLSXError(message: reason, context: "move the workbook to \(path)")
        }
        return result
    }

    /// Where `write(to: path)` writes before the file is complete.
    public static func partialPath(for path: String) -> String { path + ".partial-\(getpid())" }

    /// A sheet with a bold header row of `columns`, frozen; an autofilter and column widths are set when the
    /// workbook closes, from what was written.
    public func addSheet(_ name: String, columns: [(name: String, style: XLSXStyle)]) throws -> XLSXSheet {
        let added = XLSXSheet(
            first: try addWorksheet(name, columns: columns.map(\.name)), name: name, columns: columns,
            formats: columns.map { formats[$0.style]! }, workbook: self)
        sheets.append(added)
        return added
    }

    /// A worksheet named `name` with the header row written and frozen.
    fileprivate func addWorksheet(_ name: String, columns: [String]) throws -> UnsafeMutablePointer<lxw_worksheet> {
        guard let sheet = workbook_add_worksheet(handle, name) else {
            throw XLSXError(message: "libxlsxwriter refused the sheet name", context: "add sheet '\(name)' to \(path)")
        }
        worksheet_freeze_panes(sheet, 1, 0)
        for (index, column) in columns.enumerated() {
            try XLSXError.check(
                worksheet_write_string(sheet, 0, lxw_col_t(index), column, headerFormat),
                "write the header of sheet '\(name)'")
        }
        return sheet
    }
}

/// One sheet of an `XLSXWorkbook`, filled row by row; past the workbook's rows per sheet it goes on in "NAME 2",
/// "NAME 3" and so on, each with the same header, so no row is refused for Excel's limit.
public final class XLSXSheet {
    /// The worksheets written so far, the one being filled last.
    private var handles: [UnsafeMutablePointer<lxw_worksheet>]
    public let name: String
    private let columns: [(name: String, style: XLSXStyle)]
    private let formats: [UnsafeMutablePointer<lxw_format>]
    private unowned let workbook: XLSXWorkbook
    /// Rows written below the header, over every part.
    public private(set) var rows = 0
    /// The widest text seen per column (the header, and the first rows), in characters.
    private var widths: [Int]

    fileprivate init(
        first: UnsafeMutablePointer<lxw_worksheet>, name: String, columns: [(name: String, style: XLSXStyle)],
        formats: [UnsafeMutablePointer<lxw_format>], workbook: XLSXWorkbook
    ) {
        handles = [first]
        self.name = name
        self.columns = columns
        self.formats = formats
        self.workbook = workbook
        widths = columns.map { $0.name.count + 3 }
    }

    /// Each worksheet's name and rows below its header, in order.
    public var parts: [(name: String, rows: Int)] {
        handles.indices.map { index in
            (Self.partName(name, index), min(workbook.rowsPerSheet, rows - index * workbook.rowsPerSheet))
        }
    }

    private static func partName(_ name: String, _ index: Int) -> String { index == 0 ? name : "\(name) \(index + 1)" }

    /// Writes the next row (cells beyond the columns are an error).
    public func append(_ values: [XLSXValue]) throws {
        guard values.count <= columns.count else {
            throw XLSXError(
                message: "\(values.count) cells for \(columns.count) columns",
                context: "sheet '\(name)' row \(rows + 1)")
        }
        if rows == handles.count * workbook.rowsPerSheet {
            handles.append(
                try workbook.addWorksheet(Self.partName(name, handles.count), columns: columns.map(\.name)))
        }
        let part = handles.count - 1
        let handle = handles[part]
        rows += 1
        let row = lxw_row_t(rows - part * workbook.rowsPerSheet)
        for (index, value) in values.enumerated() {
            let column = lxw_col_t(index)
            let format = formats[index]
            let code: lxw_error
            switch value {
            case .empty: continue
            case .number(let number) where number.isFinite:
                code = worksheet_write_number(handle, row, column, number, format)
                if rows <= 1_000 { widths[index] = max(widths[index], min(18, columns[index].style.shownWidth)) }
            case .number(let number):
                code = worksheet_write_string(
                    handle, row, column, number.isNaN ? "undefined" : number > 0 ? "+inf" : "-inf", nil)
            case .text(let text):
                code = worksheet_write_string(handle, row, column, text, nil)
                if rows <= 1_000 { widths[index] = max(widths[index], min(60, text.count + 1)) }
            case .time(let seconds):
                code = worksheet_write_number(handle, row, column, seconds / 86_400 + 25_569, format)
                widths[index] = max(widths[index], 20)
            }
            try XLSXError.check(
                code, "sheet '\(Self.partName(name, part))' row \(row + 1) column '\(columns[index].name)'")
        }
    }

    /// The autofilter over what each part holds, and each column's width.
    fileprivate func finish() {
        for (handle, part) in zip(handles, parts) {
            worksheet_autofilter(handle, 0, 0, lxw_row_t(part.rows), lxw_col_t(max(0, columns.count - 1)))
            for (index, width) in widths.enumerated() {
                worksheet_set_column(handle, lxw_col_t(index), lxw_col_t(index), Double(width), nil)
            }
        }
    }
}

extension XLSXStyle {
    /// About how many characters a number in this style takes on screen.
    fileprivate var shownWidth: Int {
        switch self {
        case .integer: return 8
        case .percent: return 10
        case .decimal, .general, .currency: return 14
        case .dateTime: return 20
        }
    }
}
