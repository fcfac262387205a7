import EventLog

extension EventID {
    /// A UUID (version 8, RFC 9562 custom) derived from a description of what the event records. Appending
    /// an event under such an id twice records it once, which is how computed and imported facts stay
    /// idempotent without a lookup table.
    static func derived(from description: String) -> EventID {
        let digest = SHA256Hash.of(Array(description.utf8)).bytes
        let high = digest[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } & 0xFFFF_FFFF_FFFF_0FFF | 0x8000
        let low =
            digest[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        return EventID(high: high, low: low)
    }
}
