import EventLogTesting
import Foundation
import JSON
import Testing

/// `query backtests`: the default order, script parameters as columns, and conditions on what is not a metric.
extension CLITests {
    @Test func backtestsSortByTotalReturnAndFilterOnColumnsAndParameters() throws {
        let demo = directory.appending("columns")
        #expect(try run(["demo", "--ledger", demo, "--labs", "2", "--backtests", "8", "--observe-only"]).status == 0)
        func rows(_ arguments: [String]) throws -> [JSONValue] {
            let result = try run(["query", "backtests", "--ledger", demo, "--format", "json"] + arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            guard case .array(let rows) = try JSONParser.parse(result.stdout) else { return [] }
            return rows
        }
        // Best total return first when no --sort is given.
        let all = try rows([])
        #expect(all.count == 16)
        let returns = all.compactMap { $0["total_return"]?.numberValue?.doubleValue }
        #expect(returns.count == 16 && returns == returns.sorted(by: >))
        // The server's ROI and the script's name are columns.
        #expect(
            all.allSatisfy {
                $0["script_name"]?.stringValue?.isEmpty == false && $0["reported_roi"]?.numberValue != nil
            })

        // A script parameter as a column, by the last part of its key.
        guard
            case .object(let parameters)? = all.first?["parameters"].flatMap({
                try? JSONParser.parse($0.stringValue ?? "")
            }),
            let (key, value) = parameters.first(where: { $0.key.contains(".") }).map({ ($0.key, $0.value) })
        else {
            Issue.record("no dotted parameter key in \(all.first.map(CanonicalJSON.string) ?? "")")
            return
        }
        let name = String(key.split(separator: ".").last ?? "")
        let shown = try rows(["--param", name])
        #expect(shown.first?["param.\(name)"] == (value.numberValue.map { .number($0) } ?? value))
        // Conditions on parameters and on columns, and their counts against the full answer.
        let text = value.stringValue ?? CanonicalJSON.string(value)
        let matching = all.filter {
            (try? JSONParser.parse($0["parameters"]?.stringValue ?? ""))?[key].map {
                $0.stringValue ?? CanonicalJSON.string($0)
            } == text
        }
        #expect(try rows(["--where", "param.\(name)=\(text)"]).count == matching.count && !matching.isEmpty)
        #expect(try rows(["--where", "param.\(name)!=\(text)"]).count == all.count - matching.count)
        let market = all.first?["market"]?.stringValue ?? ""
        let inMarket = try rows(["--where", "market=\(market)"])
        #expect(inMarket.map { $0["backtest_id"] } == (try rows(["--market", market])).map { $0["backtest_id"] })
        #expect(!inMarket.isEmpty && inMarket.allSatisfy { $0["market"]?.stringValue == market })
        #expect(
            try rows(["--where", "reported_roi>0", "--limit", "3"]).count
                == min(3, all.filter { ($0["reported_roi"]?.numberValue?.doubleValue ?? 0) > 0 }.count))
        let refused = try run(["query", "backtests", "--ledger", demo, "--where", "market~BINANCE"])
        #expect(refused.status == 2 && refused.stderr.contains("COLUMN OP VALUE"), "\(refused.stderr)")
    }
}
