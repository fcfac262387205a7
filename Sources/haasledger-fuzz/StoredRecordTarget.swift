import Foundation
import JSON
import Platform

@testable import EventLog

/// Stored records as a damaged or hand-edited log holds them, read through the decoder every reader uses, against
/// a log whose record dictionary is trained, so zstd frames and LZ4 blocks are both decoded.
///
/// The input's first byte picks the value: 0, the rest of the input itself; 1, 2 or 3, a plain, zstd or LZ4 record
/// of the log, changed by the rest read as (u16 offset, byte) triples that each XOR one byte. Beyond not crashing,
/// an unchanged record must decode, and a record must decode to the same bytes three times in one walk: against
/// the dictionary where it lies, against the copy laid out before the output, and against that copy once its end
/// has been put back.
enum StoredRecordTarget {
    private static let directory = NSTemporaryDirectory() + "/haasledger-fuzz-\(getpid())-log"

    /// The log, and one stored record of each kind (plain, zstd, LZ4), made once per process.
    private static let prepared: (log: EventLog, records: [[UInt8]]) = {
        do {
            let log = try EventLog.open(directory: directory)
            // Fixed ids and payloads: the same records, and the same trained dictionary, in every run.
            let drafts = (0..<2_400).map { index in
                EventDraft(
                    id: EventID(high: 0x0123_4567_89AB_7DEF, low: UInt64(index)), stream: "backtest:\(index % 300)",
                    type: index % 3 == 0 ? "metrics.computed" : "haas.backtest.observed",
                    payload: Payload(payload(index)), source: "fuzz")
            }
            for start in stride(from: 0, to: drafts.count, by: 200) { try log.append(drafts[start..<(start + 200)]) }
            let records = try log.read { reader in
                try [1, 2_398, 2_399].map { position in
                    try Keys.withPosition(UInt64(position)) { try Array(reader.txn.get(reader.dbs.events, $0)!) }
                }
            }
            precondition(records.map { $0[0] } == [1, RecordCodec.zstdTag, RecordCodec.lz4Tag], "unexpected kinds")
            return (log, records)
        } catch {
            fatalError("stored-record: cannot prepare the log: \(error)")
        }
    }()

    private static func payload(_ index: Int) -> JSONValue {
        guard index % 3 == 0 else {
            return .object([
                ("backtest_id", .string("bt-\(index % 50)")), ("note", .string("the same words in every record")),
                ("script", .string("rsi crossover with trailing stop, version 12, default parameters")),
            ])
        }
        var random = SplitMix64(seed: UInt64(index))
        return .object((0..<40).map { ("metric_\($0)", .number(JSONNumber(Double(random.next() % 1_000_000) / 997)!)) })
    }

    static func run(_ bytes: [UInt8]) {
        guard let kind = bytes.first else { return }
        var value: [UInt8]
        let changed: Bool
        if kind % 4 == 0 {
            value = Array(bytes.dropFirst())
            changed = true
        } else {
            value = prepared.records[Int(kind % 4) - 1]
            var triples = bytes.dropFirst()
            changed = triples.count >= 3
            while triples.count >= 3 {
                let offset = Int(triples[triples.startIndex]) | Int(triples[triples.startIndex + 1]) << 8
                value[offset % value.count] ^= triples[triples.startIndex + 2]
                triples = triples.dropFirst(3)
            }
        }
        let decoded = try? prepared.log.read { reader in
            var scratch = RecordScratch()
            return try value.withUnsafeBytes { stored in
                try (0..<3).map { _ in
                    try StoredRecord(value: stored).withPlain(
                        codec: reader.records, txn: reader.txn, dbs: reader.dbs, scratch: &scratch
                    ) { record in
                        _ = try? LogReader.decode(record, position: 1)
                        return Array(record)
                    }
                }
            }
        }
        if !changed { precondition(decoded != nil, "an unchanged record did not decode") }
        if let decoded { precondition(Set(decoded).count == 1, "the three decodes of one record differ") }
    }

    static func removeScratch() { try? FileManager.default.removeItem(atPath: directory) }
}
