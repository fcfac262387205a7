/// Moments as users write them, parsed in one place.
extension ReadModelService.Moment {
    /// `--as-of TIME` or `--at-position N` (at most one; neither is the present). Throws naming the flag.
    public init(asOf: String?, atPosition: UInt64?) throws {
        switch (asOf, atPosition) {
        case (nil, nil): self = .now
        case (nil, let position?): self = .position(position)
        case (let text?, nil):
            guard let micros = Timestamp.parse(text) else {
                throw LedgerError.invalidArgument(flag: "--as-of", reason: "not an ISO-8601 time: \(text)")
            }
            self = .time(micros)
        case (_?, _?):
            throw LedgerError.invalidArgument(flag: "--as-of", reason: "give --as-of or --at-position, not both")
        }
    }

    /// The time asked for, in µs since the epoch, when the moment is one.
    public var time: Int64? {
        if case .time(let micros) = self { return micros }
        return nil
    }

    /// An ISO-8601 time, or a log position written `#N`; nil for anything else.
    public init?(_ text: String) {
        if text.hasPrefix("#") {
            guard let position = UInt64(text.dropFirst()) else { return nil }
            self = .position(position)
        } else if let micros = Timestamp.parse(text) {
            self = .time(micros)
        } else {
            return nil
        }
    }
}
