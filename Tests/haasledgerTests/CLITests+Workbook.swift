import EventLogTesting
import Foundation
import JSON
import Testing

/// `export xlsx` read back by a real reader (openpyxl, in the virtual environment `tools/setup --tests` makes),
/// and the CSV outputs read back by Python's csv module.
extension CLITests {
    /// The virtual environment's Python, when it has openpyxl.
    static let python: String? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let path = root + "/.venv/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: path),
            (try? ChildProcess.run(program: path, ["-c", "import openpyxl"]))?.status == 0
        else { return nil }
        return path
    }()

    /// Compares the workbook with `query backtests --format json` cell by cell and reports, as JSON, what differs,
    /// the sheets, and the header row's frozen pane, filter and number formats.
    static let workbookCheck = """
        import json,math,sys,openpyxl
        book=openpyxl.load_workbook(sys.argv[1]);rows=json.load(open(sys.argv[2]));out={'sheets':book.sheetnames,'problems':[],'checked':0,'infinite':0,'empty':0}
        sheet=book['backtests'];header=[c.value for c in sheet[1]];col={n:i for i,n in enumerate(header)}
        out['freeze']=sheet.freeze_panes;out['filter']=sheet.auto_filter.ref
        out['formats']={n:sheet.cell(row=2,column=col[n]+1).number_format for n in ('total_return','num_trades','total_net_pnl','start_time') if n in col}
        byid={r[col['backtest_id']].value:r for r in sheet.iter_rows(min_row=2)}
        out['rows']=len(byid)
        for row in rows:
            cells=byid.get(row['backtest_id'])
            if cells is None: out['problems'].append('missing '+row['backtest_id']);continue
            for key,want in row.items():
                if key.endswith('_reason') or key not in col or key in ('backtest_id','lab_id','parameters'): continue
                got=cells[col[key]].value;reason=row.get(key+'_reason')
                if want is None:
                    ok=(got in ('+inf','-inf') and got==reason) or (got is None and reason not in ('+inf','-inf'))
                elif isinstance(want,(int,float)):
                    ok=isinstance(got,(int,float)) and (got==want or abs(got-want)<=1e-15*max(1,abs(want)))
                else: ok=got==want
                out['checked']+=1;out['infinite']+=got in ('+inf','-inf');out['empty']+=got is None
                if not ok: out['problems'].append('%s %s: xlsx %r, json %r (%s)'%(row['backtest_id'],key,got,want,reason))
        trades=book['trades'];out['trades']=trades.max_row-1
        print(json.dumps(out))
        """

    /// Compares two workbooks' sheets, the second's split into parts ("trades", "trades 2", ...): prints, as JSON,
    /// the second's sheet names, whether each sheet's rows joined across its parts equal the first's, and whether
    /// every part has the header frozen over an autofilter.
    static let splitCheck = """
        import json,re,sys,openpyxl
        whole=openpyxl.load_workbook(sys.argv[1]);split=openpyxl.load_workbook(sys.argv[2]);out={'sheets':split.sheetnames,'same':{},'headers':True}
        for name in whole.sheetnames:
            parts=[split[n] for n in split.sheetnames if re.fullmatch(re.escape(name)+'( [0-9]+)?',n)]
            rows=[r for p in parts for r in p.iter_rows(min_row=2,values_only=True)]
            out['same'][name]=rows==list(whole[name].iter_rows(min_row=2,values_only=True))
            for p in parts:
                if [c.value for c in p[1]]!=[c.value for c in whole[name][1]] or p.freeze_panes!='A2' or not p.auto_filter.ref: out['headers']=False
        print(json.dumps(out))
        """

    /// Every column of a CSV file is all numbers (`inf`/`-inf` included) or empty, or else text throughout.
    static let csvCheck = """
        import csv,sys
        rows=list(csv.reader(open(sys.argv[1],newline='')));header=rows[0];bad=[]
        def number(v):
            try: float(v);return True
            except ValueError: return False
        for i,name in enumerate(header):
            values=[r[i] for r in rows[1:] if r[i]!='']
            kinds={number(v) for v in values}
            if kinds=={True,False}: bad.append(name)
        print(len(rows)-1, ' '.join(bad))
        """

    @Test(.enabled(if: python != nil, "needs openpyxl in .venv (tools/setup --tests installs it)"))
    func workbookMatchesTheQueryCellByCell() throws {
        let python = try #require(Self.python)
        let ledger = try reportLedger()
        let book = directory.appending("ledger.xlsx")
        let written = try run(["export", "xlsx", "--ledger", ledger, "-o", book, "--trades"])
        #expect(written.status == 0 && written.stderr.hasPrefix("wrote \(book) (log position "), "\(written.stderr)")
        let query = try run(["query", "backtests", "--ledger", ledger, "--format", "json"])
        let json = directory.appending("query.json")
        try query.stdout.write(toFile: json, atomically: true, encoding: .utf8)
        let checked = try ChildProcess.run(program: python, ["-c", Self.workbookCheck, book, json])
        #expect(checked.status == 0, "\(checked.stderr)")
        let report = try JSONParser.parse(checked.stdout)
        #expect(report["problems"] == .array([]), "\(checked.stdout.prefix(2_000))")
        // Every metric of every row was compared, and the data has infinities and empty cells to compare.
        for (key, least) in [("checked", 2_000.0), ("infinite", 1), ("empty", 1)] {
            #expect((report[key]?.numberValue?.doubleValue ?? 0) >= least, "\(key): \(checked.stdout.suffix(300))")
        }
        #expect(
            report["sheets"] == .array(["backtests", "trades", "labs", "sweeps", "trials"].map(JSONValue.string)))
        #expect(report["rows"]?.numberValue?.canonicalText == "\(try JSONParser.parse(query.stdout).arrayCount)")
        #expect(report["freeze"]?.stringValue == "A2" && report["filter"]?.stringValue?.hasPrefix("A1:") == true)
        #expect(report["formats"]?["total_return"]?.stringValue == "0.00%")
        #expect(report["formats"]?["num_trades"]?.stringValue == "0")
        #expect(report["formats"]?["total_net_pnl"]?.stringValue == "#,##0.00")
        #expect(report["formats"]?["start_time"]?.stringValue == "yyyy-mm-dd hh:mm:ss")
        let tradeRows = Int(report["trades"]?.numberValue?.doubleValue ?? 0)
        #expect(tradeRows > 100)
        // Past the rows per sheet (Excel's limit by default), a sheet goes on in the next, header and all.
        let split = directory.appending("split.xlsx")
        let splitWritten = try run([
            "export", "xlsx", "--ledger", ledger, "-o", split, "--trades", "--rows-per-sheet", "40",
        ])
        #expect(splitWritten.status == 0, "\(splitWritten.stderr)")
        let tradeParts = (tradeRows + 39) / 40
        #expect(splitWritten.stderr.contains("trades 40, trades 2 40,"), "\(splitWritten.stderr)")
        #expect(
            splitWritten.stderr.contains("trades \(tradeParts) \(tradeRows - (tradeParts - 1) * 40),"),
            "\(splitWritten.stderr)")
        let compared = try ChildProcess.run(program: python, ["-c", Self.splitCheck, book, split])
        let parts = try JSONParser.parse(compared.stdout)
        #expect(parts["headers"] == .bool(true), "\(compared.stdout) \(compared.stderr)")
        for sheet in ["backtests", "trades", "labs", "sweeps", "trials"] {
            #expect(parts["same"]?[sheet] == .bool(true), "\(sheet): \(compared.stdout)")
        }
        #expect(parts["sheets"]?.arrayCount ?? 0 > tradeParts + 4, "\(compared.stdout)")
        for bad in ["0", "1048576", "x"] {
            let refused = try run(["export", "xlsx", "--ledger", ledger, "-o", split, "--rows-per-sheet", bad])
            #expect(refused.status == 2 && refused.stderr.contains("--rows-per-sheet"), "\(bad): \(refused.stderr)")
        }
        // A failed export leaves no file behind, and names the flag or the file.
        let missing = try run([
            "export", "xlsx", "--ledger", ledger, "-o", directory.appending("x.xlsx"), "--lab", "nope",
        ])
        #expect(missing.status == 2 && missing.stderr.hasPrefix("error: --lab: no lab nope"))
        #expect(!FileManager.default.fileExists(atPath: directory.appending("x.xlsx")))
        let contents = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(!contents.contains { $0.contains(".partial-") }, "\(contents)")
        // A lab or a position the ledger never had is named, not answered with an empty table.
        let head = try run(["log", "stats", "--ledger", ledger, "--format", "json"])
        let headPosition = try JSONParser.parse(head.stdout)["head_position"]?.numberValue?.canonicalText ?? "?"
        for (arguments, message) in [
            (["export", "csv", "--lab", "nope"], "error: --lab: no lab nope"),
            (["query", "backtests", "--lab", "nope", "--format", "csv"], "error: --lab: no lab nope"),
            (["diff", "--from", "#1", "--lab", "nope"], "error: --lab: no lab nope"),
            (
                ["diff", "--from", "#99999999", "--format", "csv"],
                "error: log position: #99999999 is past the log's head, #\(headPosition)"
            ),
            (
                ["query", "backtests", "--at-position", "99999999"],
                "error: log position: #99999999 is past the log's head, #\(headPosition)"
            ),
        ] {
            let refused = try run(arguments + ["--ledger", ledger])
            #expect(refused.status == 2 && refused.stderr.hasPrefix(message), "\(arguments): \(refused.stderr)")
            #expect(refused.stdout.isEmpty, "\(arguments)")
        }

        // The CSV outputs: every numeric column numbers or empty, as pandas and the csv module read them.
        for arguments in [["export", "csv"], ["query", "backtests", "--format", "csv"]] {
            let csv = directory.appending("out.csv")
            let exported = try run(arguments + ["--ledger", ledger])
            try exported.stdout.write(toFile: csv, atomically: true, encoding: .utf8)
            let read = try ChildProcess.run(program: python, ["-c", Self.csvCheck, csv])
            let fields = read.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
            #expect(
                read.status == 0 && fields.count == 1 && Int(fields[0]) ?? 0 > 10,
                "\(arguments): \(read.stdout) \(read.stderr)")
        }
    }
}

extension JSONValue {
    fileprivate var arrayCount: Int { if case .array(let items) = self { items.count } else { -1 } }
}
