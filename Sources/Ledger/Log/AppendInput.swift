import EventLog
import Platform

/// The two passes of `log append`: the first parses and checks every line and writes the drafts to a spool;
/// the second appends the spool in transactions. Nothing is appended unless every line passed.
enum AppendInput {
    /// Events per write transaction in the second pass: large enough for group commit to pay, small enough
    /// that the drafts and LMDB's dirty pages of one transaction stay far under the memory goal.
    static let eventsPerTransaction = 25_000

    /// Lines parsed per round of the first pass, on every core.
    private static let linesPerRound = 32_768
    private static let linesPerPart = 2_048

    /// The drafts of some lines, encoded for the spool, with what the check needs of each.
    private struct Part: Sendable {
        var records: [UInt8] = []
        var entries: [Entry] = []
        var failure: LedgerError?
    }

    private struct Entry: Sendable {
        let recordStart: Int
        let stream: String
        /// The id the line gave; nil when it gave none (the draft holds a placeholder until the check assigns one).
        let givenID: EventID?
        let expectedVersion: UInt64?
    }

    /// The ids and stream versions the lines so far lead to.
    private struct FollowState {
        var seenIDs = Set<EventID>()
        var versions: [String: UInt64] = [:]
    }

    /// Every line parsed (on every core) and checked in input order, its draft written to `spool`: a bad line,
    /// a draft the log would refuse, or an `expected_version` the stream will not be at (given the log and the
    /// lines before it) fails the whole input before anything is appended.
    static func stage(
        _ input: some LineInput, defaultSource: String, against log: EventLog, into spool: DraftSpool,
        stop: StopRequest
    ) throws {
        let name = input.name
        try log.read { reader in
            var state = FollowState()
            var round: [(number: Int, bytes: [UInt8])] = []
            // A round is parsed in the background while this thread reads the next one's lines and follows
            // the one before: the reading, the check in order and the spool are not parallel themselves.
            var parsing: BackgroundResult<[Part]>?
            try input.forEachLine { number, bytes in
                round.append((number, bytes))
                if round.count >= linesPerRound {
                    try stop.check(
                        "log append stopped while checking line \(number) of the input: nothing was appended")
                    let lines = round
                    let next = BackgroundResult { parsed(lines, name, defaultSource) }
                    if let parsing { try follow(parsing.wait(), &state, reader, spool) }
                    parsing = next
                    round.removeAll(keepingCapacity: true)
                }
            }
            if let parsing { try follow(parsing.wait(), &state, reader, spool) }
            try follow(parsed(round, name, defaultSource), &state, reader, spool)
        }
    }

    private static func parsed(_ lines: [(number: Int, bytes: [UInt8])], _ name: String, _ defaultSource: String)
        -> [Part]
    {
        let parts = stride(from: 0, to: lines.count, by: linesPerPart).map {
            Array(lines[$0..<min($0 + linesPerPart, lines.count)])
        }
        return ParallelMap.map(parts) { part in
            var result = Part()
            for (number, bytes) in part {
                do {
                    guard let (draft, givenID) = try parse(bytes, number: number, input: name, source: defaultSource)
                    else { continue }
                    if let reason = draft.problem {
                        result.failure = .malformedInput(source: name, line: number, reason: reason)
                        return result
                    }
                    result.entries.append(
                        Entry(
                            recordStart: result.records.count, stream: draft.stream,
                            givenID: givenID ? draft.id : nil, expectedVersion: draft.expectedVersion))
                    DraftSpool.encode(draft, line: number, into: &result.records)
                } catch let error as LedgerError {
                    result.failure = error
                    return result
                } catch {
                    result.failure = .malformedInput(source: name, line: number, reason: "\(error)")
                    return result
                }
            }
            return result
        }
    }

    /// Follows the lines in input order: a repeated id is a no-op (it advances no stream and is not held to its
    /// expected version); every other line must find its stream at the version it expects. Lines without an id
    /// get theirs here, in input order, so the log's id index grows by appends.
    private static func follow(
        _ parts: [Part], _ state: inout FollowState, _ reader: borrowing LogReader, _ spool: DraftSpool
    ) throws {
        for var part in parts {
            for entry in part.entries {
                if let id = entry.givenID {
                    if state.seenIDs.contains(id) { continue }
                    if try reader.position(ofID: id) != nil { continue }
                    state.seenIDs.insert(id)
                } else {
                    DraftSpool.setID(.generate(), inRecordAt: entry.recordStart, of: &part.records)
                }
                let version = try state.versions[entry.stream] ?? (try reader.streamVersion(entry.stream))
                if let expected = entry.expectedVersion, expected != version {
                    throw EventLogError.versionConflict(stream: entry.stream, expected: expected, actual: version)
                }
                state.versions[entry.stream] = version + 1
            }
            if let failure = part.failure { throw failure }
            try spool.write(part.records)
        }
    }

    /// The spooled drafts in transactions of `size`, with the input line of each.
    static func batches(of spool: DraftSpool, size: Int, _ body: ([EventDraft], [Int]) throws -> Void) throws {
        // The next batch is read from the spool (its drafts built) on another core while this one is appended.
        let batches = try spool.batches(of: size)
        var upcoming = BackgroundResult { Result { try batches.next() } }
        while let batch = try upcoming.wait().get() {
            upcoming = BackgroundResult { Result { try batches.next() } }
            try body(batch.drafts, batch.lines)
        }
    }

    /// The draft of one line (with a placeholder id when the line gives none); nil for a blank line.
    private static func parse(_ bytes: [UInt8], number: Int, input: String, source: String) throws
        -> (EventDraft, givenID: Bool)?
    {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
        do {
            return try NDJSONEventReader.draftAndID(from: bytes, defaultSource: source, generateIDs: false)
        } catch let reason as NDJSONEventReader.Reason {
            throw LedgerError.malformedInput(source: input, line: number, reason: reason.text)
        }
    }
}
