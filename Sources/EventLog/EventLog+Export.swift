import JSON

/// The canonical NDJSON export (see FORMAT.md, "Export lines"): one event per line, keys sorted, each
/// blob's bytes included on the first line that refers to it.
extension EventLog {
    /// Writes every event from position 1 through the head of one snapshot, calling `emit` once per line
    /// (without the newline). Returns the number of events written.
    @discardableResult
    public func exportNDJSON(_ emit: ([UInt8]) throws -> Void) throws -> UInt64 {
        var emitted = Set<SHA256Hash>()
        return try exportNDJSON(from: 1, limit: .max, emitted: &emitted, emit).count
    }

    /// Lines written between two hand-backs of the mapped pages (bodies: `LogReader.blobsBetweenReleases`).
    static let linesBetweenReleases = 10_000

    /// Export lines from position `from` on, at most `limit` of them, of one snapshot. A blob's bytes go on the
    /// first line of this export that refers to it: `emitted` carries which ones went out across calls (a
    /// follower's pages). Returns how many lines and the last position written.
    public func exportNDJSON(
        from: UInt64, limit: Int, emitted: inout Set<SHA256Hash>, _ emit: ([UInt8]) throws -> Void
    ) throws -> (count: UInt64, last: UInt64?) {
        var sent = emitted
        defer { emitted = sent }
        return try read { reader in
            var count: UInt64 = 0
            var last: UInt64?
            var blobsRead = 0
            try reader.forEachEvent(from: from) { event in
                var blobs: [JSONValue] = []
                for hash in event.blobHashes {
                    var members: [(key: String, value: JSONValue)] = [("sha256", .string(hash.hex))]
                    if sent.insert(hash).inserted {
                        guard let bytes = try reader.blob(hash) else {
                            throw EventLogError.corruptRecord(
                                position: event.position, reason: "blob \(hash.hex) is missing")
                        }
                        members.append(("data", .string(Base64.encode(bytes))))
                        blobsRead += 1
                        if blobsRead % LogReader.blobsBetweenReleases == 0 { reader.releaseMappedPages() }
                    }
                    blobs.append(.object(members))
                }
                try emit(CanonicalJSON.encode(ExportLine.json(for: event, blobs: blobs)))
                count += 1
                if count % UInt64(Self.linesBetweenReleases) == 0 { reader.releaseMappedPages() }
                last = event.position
                return count < limit
            }
            return (count, last)
        }
    }
}

extension RecordedEvent {
    /// The envelope as JSON, with blob hashes only: what `log show --format ndjson` prints.
    public func envelopeJSON() throws -> JSONValue {
        try ExportLine.json(for: self, blobs: blobHashes.map { .object([("sha256", .string($0.hex))]) })
    }
}

enum ExportLine {
    static func json(for event: RecordedEvent, blobs: [JSONValue]) throws -> JSONValue {
        .object([
            ("position", .number(event.position)),
            ("id", .string(event.id.description)),
            ("stream", .string(event.stream)),
            ("stream_version", .number(event.streamVersion)),
            ("previous_in_stream", event.previousInStream.map { .number($0) } ?? .null),
            ("type", .string(event.type)),
            ("schema_version", .number(UInt64(event.schemaVersion))),
            ("recorded_at", .number(event.recordedAt)),
            ("observed_at", event.observedAt.map { .number($0) } ?? .null),
            ("correlation_id", event.correlationID.map { .string($0.description) } ?? .null),
            ("causation", event.causation.map { .number($0) } ?? .null),
            ("source", .string(event.source)),
            ("payload", try event.payload.json),
            ("blobs", .array(blobs)),
            ("hash", .string(event.hash.hex)),
        ])
    }
}
