import BacktestMetrics
import Crypto
import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents
import SQLiteKit

/// A cache file as read from disk.
struct CacheFile: Sendable {
    /// Absolute path.
    let path: String
    let bytes: [UInt8]
    /// Modification time, microseconds since the epoch.
    let modifiedAt: Int64
    var blob: Blob
    var sha256: String { blob.hash.hex }
}
