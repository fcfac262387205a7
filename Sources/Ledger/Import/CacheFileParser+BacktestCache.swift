import BacktestMetrics
import Crypto
import EventLog
import Foundation
import HaasAPI
import JSON
import LedgerEvents
import SQLiteKit

extension CacheFileParser {
    // MARK: backtest_cache/

    struct CacheIndexEntry: Sendable {
        let key: String
        let dataType: String?
        let createdAt: String?
        let expiresAt: String?
        let filePath: String?
        let dataHash: String?

        var json: JSONValue {
            .object([
                ("key", .string(key)), ("data_type", .optional(dataType)), ("created_at", .optional(createdAt)),
                ("expires_at", .optional(expiresAt)), ("file_path", .optional(filePath)),
                ("data_hash", .optional(dataHash)),
            ])
        }
    }

    static func readIndex(path: String) throws(CacheFileProblem) -> [CacheIndexEntry] {
        do {
            let db = try SQLiteConnection(path: path, mode: .readOnly)
            let statement = try db.prepare(
                "SELECT key, data_type, created_at, expires_at, file_path, data_hash FROM cache_entries ORDER BY key")
            var entries: [CacheIndexEntry] = []
            while try statement.step() {
                entries.append(
                    CacheIndexEntry(
                        key: statement.string(0) ?? "", dataType: statement.string(1), createdAt: statement.string(2),
                        expiresAt: statement.string(3), filePath: statement.string(4), dataHash: statement.string(5)))
            }
            return entries
        } catch {
            throw CacheFileProblem("cache_entries", "not a readable pyHaasAPI cache index (\(error.message))")
        }
    }

    /// Records the pickle's MD5 against `cache.db`'s `data_hash`. The pickle is never unpickled: loading one
    /// runs arbitrary code.
    mutating func pickle(_ file: CacheFile) -> ParsedCacheFile {
        let md5 = Insecure.MD5.hash(data: file.bytes).map { String(format: "%02x", $0) }.joined()
        let folder = directory(of: file.path)
        let name = String(file.path.split(separator: "/").last ?? "")
        if indexes[folder] == nil {
            let index = folder + "/cache.db"
            indexes[folder] =
                FileManager.default.fileExists(atPath: index)
                ? Result { () throws(CacheFileProblem) in try CacheFileParser.readIndex(path: index) } : .success([])
        }
        var details: [(key: String, value: JSONValue)] = [
            ("md5", .string(md5)), ("unpickled", .bool(false)),
            ("pickle_protocol", file.bytes.count >= 2 && file.bytes[0] == 0x80 ? .number(Int(file.bytes[1])) : .null),
        ]
        switch indexes[folder] {
        case .failure(let problem)?:
            details += [("md5_check", .string("index_unreadable")), ("index_problem", .string(problem.description))]
        case .success(let entries)?:
            let stem = name.hasSuffix(".pkl") ? String(name.dropLast(4)) : name
            if let entry = entries.first(where: {
                $0.filePath.map { $0.split(separator: "/").last.map(String.init) == name } ?? false
            })
                ?? entries.first(where: { $0.key == stem })
            {
                details += [
                    ("md5_check", .string(entry.dataHash?.lowercased() == md5 ? "match" : "mismatch")),
                    ("index_entry", entry.json),
                ]
            } else {
                details.append(("md5_check", .string(entries.isEmpty ? "no_index" : "not_in_index")))
            }
        case nil:
            details.append(("md5_check", .string("no_index")))
        }
        return ParsedCacheFile(kind: .backtestCachePickle, details: details)
    }
}
