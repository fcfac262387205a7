import Crypto
import Foundation
import SQLiteKit

extension PyHaasCacheWriter {
    // MARK: backtest_cache/

    /// `cache.db` plus one pickle per lab (a pickled list of its backtest ids) and one pickle whose recorded
    /// MD5 no longer matches (the file was rewritten after the index).
    func writeBacktestCache(_ files: inout FileList) throws {
        var entries: [(key: String, type: String, file: String, md5: String)] = []
        for lab in world.labs {
            let key = Insecure.MD5.hash(data: Array("lab_backtests|\(lab.id)".utf8)).hexString
            let pickle = PickleWriter.list(of: lab.backtests.map(\.id))
            try files.write("backtest_cache/\(key).pkl", pickle)
            entries.append((key, "lab_backtests_paginated", "\(key).pkl", Insecure.MD5.hash(data: pickle).hexString))
        }
        let labsKey = Insecure.MD5.hash(data: Array("labs".utf8)).hexString
        let labsPickle = PickleWriter.list(of: world.labs.map(\.id))
        try files.write("backtest_cache/\(labsKey).pkl", labsPickle)
        entries.append(
            (labsKey, "labs", "\(labsKey).pkl", Insecure.MD5.hash(data: PickleWriter.list(of: [])).hexString))
        let path = files.root + "/backtest_cache/cache.db"
        do {
            let db = try SQLiteConnection(path: path)
            try db.execute(
                """
                CREATE TABLE cache_entries (key TEXT PRIMARY KEY, data_type TEXT, created_at TIMESTAMP,
                    expires_at TIMESTAMP, file_path TEXT, data_hash TEXT)
                """)
            let insert = try db.prepare("INSERT INTO cache_entries VALUES (?, ?, ?, ?, ?, ?)")
            for entry in entries {
                try insert.run([
                    .text(entry.key), .text(entry.type), .text("2025-08-27T23:39:39.935782"),
                    .text("2025-08-28T00:09:39.934657"), .text(entry.file), .text(entry.md5),
                ])
            }
        } catch {
            throw WriteError(path: path, reason: String(describing: error))
        }
        try files.touch("backtest_cache/cache.db")
    }
}
