import BacktestMetrics
import Crypto
import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents
import SQLiteKit

/// Why a file cannot be imported; `field` names where in the file, when known.
struct CacheFileProblem: Error, CustomStringConvertible, Sendable {
    let field: String?
    let reason: String
    init(_ field: String?, _ reason: String) {
        self.field = field
        self.reason = reason
    }
    var description: String { field.map { "\($0): \(reason)" } ?? reason }
}
