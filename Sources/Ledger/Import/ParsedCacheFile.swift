import BacktestMetrics
import Crypto
import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents
import SQLiteKit

/// What one cache file holds, ready to record: the facts become the same domain events a fetch produces.
struct ParsedCacheFile: Sendable {
    var kind: CacheFileKind
    /// Members of the `cache.file.imported` payload that describe what the file held.
    var details: [(key: String, value: JSONValue)] = []
    /// Domain events, ids already derived from the file's hash.
    var facts: [EventDraft] = []
    /// The runtimes among `facts` (by index), decoded once, with the default formula's `metrics.computed`
    /// payload computed where the file was parsed (the events are built once the runtimes have positions).
    var runtimes: [ImportedRuntime] = []
}

struct ImportedRuntime: Sendable {
    let factIndex: Int
    let backtest: String
    /// Its metrics, one payload per formula.
    let metrics: [(formula: String, payload: Payload)]
}
