import EventLog

/// The two passes of `log append` over its input.
enum AppendInput {
    /// Events per write transaction in the second pass: large enough for group commit to pay, small enough
    /// that the drafts and LMDB's dirty pages of one transaction stay far under the memory goal.
    static let eventsPerTransaction = 50_000

    /// Drafts of one transaction and the input line each came from.
    struct Batch: Sendable {
        var drafts: [EventDraft] = []
        var lines: [Int] = []
    }

    /// Every line parsed and checked, nothing kept: a bad line, a draft the log would refuse, or an
    /// `expected_version` the stream will not be at (given the log and the lines before) fails the whole input.
    static func check(_ input: some LineInput, defaultSource: String, against log: EventLog) throws {
        try log.read { reader in
            var seenIDs = Set<EventID>()
            var versions: [String: UInt64] = [:]
            try input.forEachLine { number, bytes in
                guard let (draft, givenID) = try parse(bytes, number: number, input: input.name, defaultSource: defaultSource)
                else { return }
                if let reason = draft.problem {
                    throw LedgerError.malformedInput(source: input.name, line: number, reason: reason)
                }
                // A repeated id is a no-op: it advances no stream and is not held to its expected version.
                if givenID {
                    if seenIDs.contains(draft.id) { return }
                    if try reader.position(ofID: draft.id) != nil { return }
                    seenIDs.insert(draft.id)
                }
                let version = try versions[draft.stream] ?? (try reader.streamVersion(draft.stream))
                if let expected = draft.expectedVersion, expected != version {
                    throw EventLogError.versionConflict(stream: draft.stream, expected: expected, actual: version)
                }
                versions[draft.stream] = version + 1
            }
        }
    }

    /// The drafts in transactions of `size`; the next batch is parsed on another core while
    /// `body` appends the current one.
    static func batches(
        of input: some LineInput, defaultSource: String, size: Int, _ body: (Batch) throws -> Void
    ) throws {
        var lines: [(number: Int, bytes: [UInt8])] = []
        var pending: BackgroundResult<Result<Batch, LedgerError>>?
        func flush() throws {
            let chunk = lines
            lines.removeAll(keepingCapacity: true)
            let name = input.name
            let next = BackgroundResult { () -> Result<Batch, LedgerError> in
                var batch = Batch()
                batch.drafts.reserveCapacity(chunk.count)
                for (number, bytes) in chunk {
                    do {
                        guard let (draft, _) = try parse(bytes, number: number, input: name, defaultSource: defaultSource)
                        else { continue }
                        batch.drafts.append(draft)
                        batch.lines.append(number)
                    } catch let error as LedgerError {
                        return .failure(error)
                    } catch {
                        return .failure(.malformedInput(source: name, line: number, reason: "\(error)"))
                    }
                }
                return .success(batch)
            }
            if let previous = pending { try body(try previous.wait().get()) }
            pending = next
        }
        try input.forEachLine { number, bytes in
            lines.append((number, bytes))
            if lines.count >= size { try flush() }
        }
        if !lines.isEmpty { try flush() }
        if let last = pending { try body(try last.wait().get()) }
    }

    /// The draft of one line; nil for a blank line.
    private static func parse(_ bytes: [UInt8], number: Int, input: String, defaultSource: String) throws
        -> (EventDraft, givenID: Bool)?
    {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
        do {
            return try NDJSONEventReader.draftAndID(from: bytes, defaultSource: defaultSource)
        } catch let reason as NDJSONEventReader.Reason {
            throw LedgerError.malformedInput(source: input, line: number, reason: reason.text)
        }
    }
}
