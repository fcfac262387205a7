import JSON
import LedgerEvents

/// What the read models take from a `metrics.computed` payload, read in place.
struct MetricsComputed {
    let backtestID: String
    let formula: String
    /// The byte range of the `values` object: stored as the set's `metric_values`, compared to tell whether
    /// anything changed (canonical JSON spells equal values with equal bytes).
    let values: Range<Int>

    /// Nil when the payload names no backtest, formula or values object (it concerns no read model).
    static func read(_ reader: CanonicalJSONReader) throws -> MetricsComputed? {
        var backtest: Range<Int>?
        var formula: Range<Int>?
        var values: Range<Int>?
        try reader.forEachMember(of: reader.root) { name, value in
            if name.elementsEqual("backtest_id".utf8) {
                backtest = value
            } else if name.elementsEqual("formula".utf8) {
                formula = value
            } else if name.elementsEqual("values".utf8) {
                values = value
            }
        }
        guard let backtest, let formula, let values, reader.isObject(values),
            let backtestID = try reader.string(backtest), let formulaID = try reader.string(formula)
        else { return nil }
        return MetricsComputed(backtestID: backtestID, formula: formulaID, values: values)
    }
}

/// One metric of a stored set, as queries show it: the number when it is one, and its text as stored.
public typealias MetricEntry = (name: String, number: Double?, text: String)

enum MetricSetText {
    /// The metrics of a `metric_values` object in stored (name) order. Text is a number's canonical spelling
    /// or a string's value; other JSON (null, true…) has no number and empty text.
    static func entries(_ bytes: UnsafeRawBufferPointer) throws -> [MetricEntry] {
        let reader = CanonicalJSONReader(bytes)
        var entries: [MetricEntry] = []
        try reader.forEachMember(of: reader.root) { name, value in
            let metric = try CanonicalJSONReader.unescaped(name)
            if let number = reader.double(value) {
                entries.append((metric, number, String(decoding: reader.slice(value), as: UTF8.self)))
            } else {
                entries.append((metric, nil, try reader.string(value) ?? ""))
            }
        }
        return entries
    }

}

/// How metric values order and compare: numbers as numbers, `+inf` and `-inf` (stored as those strings) as the
/// infinities, and anything else (`undefined`) not at all: it fails every `--where` and sorts last in both
/// directions.
public enum MetricOrder {
    public static func orderable(number: Double?, text: String) -> Double? {
        if let number { return number }
        switch text {
        case "+inf": return .infinity
        case "-inf": return -.infinity
        default: return nil
        }
    }

    /// The item with the best orderable value under a direction, ties to the lowest number: the rule a sweep's
    /// best trial is chosen by, when it ends and (in `sweep list`) while it runs.
    public static func best<Item>(
        _ items: [Item], maximize: Bool, value: (Item) -> Double?, number: (Item) -> Int64
    ) -> Item? {
        items.compactMap { item in value(item).map { (item, maximize ? $0 : -$0) } }
            .max { ($0.1, -number($0.0)) < ($1.1, -number($1.0)) }?.0
    }

    /// The orderable number of a stored value, read in place (the canonical spelling of the two strings is
    /// fixed, so their bytes are compared without decoding).
    static func orderable(_ reader: CanonicalJSONReader, _ value: Range<Int>) -> Double? {
        if let number = reader.double(value) { return number }
        let bytes = reader.slice(value)
        if bytes.elementsEqual(#""+inf""#.utf8) { return .infinity }
        if bytes.elementsEqual(#""-inf""#.utf8) { return -.infinity }
        return nil
    }
}

/// Small integer keys for names repeated millions of times, assigned 1, 2, 3… in first-seen order: the keys
/// SQLite's INTEGER PRIMARY KEY gives rows inserted in that order, so a rebuild and a catch-up agree.
struct NameKeys: Sendable {
    private(set) var names: [String] = []
    private var keys: [String: Int32] = [:]

    mutating func key(_ name: String) -> Int32 {
        if let key = keys[name] { return key }
        names.append(name)
        let key = Int32(names.count)
        keys[name] = key
        return key
    }
}

/// The bucket of a position in `backtest_metric_values` (migration 0008).
enum MetricValueBuckets {
    static let shift = 16
    static func bucket(_ position: Int64) -> Int64 { position >> Int64(shift) }
}
