import BacktestMetrics
import Crypto
import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents
import SQLiteKit

/// Ids of a file's facts, derived from its content hash: importing the same bytes again appends nothing new.
struct FactIDs {
    let sha256: String
    private var ordinal = 0

    init(sha256: String) { self.sha256 = sha256 }

    mutating func next() -> EventID {
        ordinal += 1
        return EventID.derived(from: "import|\(sha256)|\(ordinal)")
    }
}
