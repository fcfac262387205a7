import Crypto
import Foundation
import SQLiteKit

extension PyHaasCacheWriter {
    // MARK: data/

    func writeCutoffs(_ files: inout FileList) throws {
        var markets: [String] = []
        for lab in world.labs where !markets.contains(lab.market) { markets.append(lab.market) }
        func document(_ markets: [String]) -> [UInt8] {
            var writer = JSONWriter()
            writer.object { out in
                out.field("version", "1.0")
                out.field("created", "2025-08-12T10:00:00.000000")
                out.field("last_updated", "2025-08-12T10:05:00.000000")
                out.key("cutoffs")
                out.object { out in
                    for market in markets {
                        let parts = market.split(separator: "_", omittingEmptySubsequences: false).map(String.init)
                        out.key(market)
                        out.object { out in
                            out.field("market_tag", market)
                            out.field(
                                "cutoff_date", market.contains("BTC") ? "2017-01-01T00:00:00" : "2020-01-01T00:00:00")
                            out.field("discovery_date", "2025-08-12T10:00:00.000000")
                            out.field("precision_hours", int: 24)
                            out.field("exchange", parts.first ?? "")
                            out.field("primary_asset", parts.count > 1 ? parts[1] : "")
                            out.field("secondary_asset", parts.count > 2 ? parts[2] : "")
                            out.key("discovery_metadata")
                            out.object { out in
                                out.field("tests_performed", int: 10)
                                out.field("discovery_time_seconds", 10.4)
                                out.field("initial_range_days", int: 1000)
                                out.field("final_precision_hours", int: 24)
                                out.field("discovery_method", "binary_search")
                                out.field("api_call_delay", 1.0)
                            }
                        }
                    }
                }
            }
            return writer.bytes
        }
        try files.write("data/backups/history_cutoffs_backup_20250812_100000.json", document(Array(markets.prefix(1))))
        try files.write("data/history_cutoffs.json", document(markets))
    }
}
