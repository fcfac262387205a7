import EventLog

/// Which events `log show` selects. Bounds are inclusive positions; `asOf` (µs) cuts the log at the last
/// event recorded at or before that time.
public struct LogQuery: Sendable, Equatable {
    public var from: UInt64 = 1
    public var through: UInt64 = .max
    public var stream: String?
    public var type: String?
    public var asOf: Int64?
    public var limit: Int?

    public init(
        from: UInt64 = 1, through: UInt64 = .max, stream: String? = nil, type: String? = nil,
        asOf: Int64? = nil, limit: Int? = nil
    ) {
        self.from = from
        self.through = through
        self.stream = stream
        self.type = type
        self.asOf = asOf
        self.limit = limit
    }

    /// Visits the matching events of one snapshot in position order; returns the last position visited.
    @discardableResult
    public func run(_ reader: borrowing LogReader, _ visit: (RecordedEvent) throws -> Void) throws -> UInt64? {
        var upper = through
        if let asOf { upper = min(upper, try reader.position(asOf: asOf)) }
        guard from <= upper else { return nil }
        var remaining = limit ?? Int.max
        var last: UInt64?
        let through = upper
        func accept(_ event: RecordedEvent) throws -> Bool {
            if event.position > through { return false }
            if event.position < from { return true }
            if let type, event.type != type { return true }
            try visit(event)
            last = event.position
            remaining -= 1
            return remaining > 0
        }
        guard remaining > 0 else { return nil }
        if let stream {
            try reader.forEachEvent(inStream: stream, accept)
        } else if let type {
            try reader.forEachEvent(ofType: type, from: from, accept)
        } else {
            try reader.forEachEvent(from: from, through: through, accept)
        }
        return last
    }
}
