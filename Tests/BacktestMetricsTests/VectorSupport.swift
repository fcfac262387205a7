import BacktestMetrics
import Foundation

/// A `metrics-fixture/1` case rebuilt into formula inputs (the same reading `haasledger metrics check` does,
/// kept independent here so the CLI's reader is not the only thing testing itself).
struct VectorCase: Sendable {
    enum Expected: Sendable { case number(Double), text(String) }

    let id: String
    let inputs: MetricInputs
    let settings: MetricSettings
    /// Expected canonical values; non-finite ones as the fixture's strings.
    let expected: [String: Expected]

    static func load(_ file: String) throws -> [VectorCase] {
        let url = try require_(Bundle.module.url(forResource: "Vectors/\(file)", withExtension: nil))
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return (root["cases"] as! [[String: Any]]).map { item in
            let settings = item["settings"] as! [String: Any]
            let inputs = item["inputs"] as! [String: Any]
            let equityPoints = inputs["equity"] as! [[String: Any]]
            let times = equityPoints.map { seconds($0["t"] as! String) }
            let trades = (inputs["trades"] as? [[String: Any]] ?? []).map { trade in
                Trade(
                    side: trade["side"] as! String == "long" ? .long : .short, size: number(trade["size"]),
                    entryTime: seconds(trade["entry_time"] as! String),
                    exitTime: seconds(trade["exit_time"] as! String),
                    entryPrice: number(trade["entry_price"]), exitPrice: number(trade["exit_price"]),
                    fees: number(trade["fees"]), netPnL: number(trade["net_pnl"]),
                    returnOnEntry: trade["return_on_entry_value"].map(number))
            }
            return VectorCase(
                id: item["case_id"] as! String,
                inputs: MetricInputs(
                    equity: equityPoints.map { number($0["value"]) },
                    returns: (inputs["returns"] as? [[String: Any]])?.map { number($0["r"]) }, trades: trades,
                    startTime: times.first ?? 0, endTime: times.last ?? 0, barTimes: times),
                settings: MetricSettings(
                    periodsPerYear: number(settings["periods_per_year"]),
                    riskFreeAnnual: number(settings["risk_free_annual"])),
                expected: (((item["expected"] as! [String: Any])["canonical"] as! [String: Any])["metrics"]
                    as! [String: Any])
                    .mapValues { ($0 as? String).map(Expected.text) ?? .number(number($0)) })
        }
    }

    static func number(_ value: Any?) -> Double { (value as? NSNumber)?.doubleValue ?? .nan }

    static func seconds(_ text: String) -> Double {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return formatter.date(from: text)!.timeIntervalSince1970
    }

    /// Whether `actual` matches the fixture's `expected` under its tolerance rule.
    static func matches(_ actual: MetricValue, _ expected: Expected) -> Bool {
        switch expected {
        case .text("inf"): return actual == .plusInfinity
        case .text("-inf"): return actual == .minusInfinity
        case .text("nan"): return actual == .undefined
        case .text: return false
        case .number(let target):
            guard case .value(let value) = actual else { return false }
            return abs(value - target) <= 1e-9 * abs(target) + 1e-12
        }
    }
}

struct MissingResource: Error {}

func require_<T>(_ value: T?) throws -> T {
    guard let value else { throw MissingResource() }
    return value
}
