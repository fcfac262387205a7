import Ledger
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        ("1970-01-01", Int64(0)),
        ("1970-01-01T00:00:00Z", 0),
        ("2026-11-21T14:00:00Z", 1_795_269_600_000_000),
        ("2026-11-21T14:00:00.5Z", 1_795_269_600_500_000),
        ("2026-11-21T14:00:00.123456789Z", 1_795_269_600_123_456),
        ("2026-11-21T16:00:00+02:00", 1_795_269_600_000_000),
        ("2026-11-21T09:30-04:30", 1_795_269_600_000_000),
        ("2026-11-21T14:00:00", 1_795_269_600_000_000),
        ("1969-12-31T23:59:59.999999Z", -1),
        ("2024-02-29", 1_709_164_800_000_000),
    ])
    func parses(text: String, micros: Int64) {
        #expect(Timestamp.parse(text) == micros)
    }

    @Test(arguments: [
        "", "2026-13-01", "2025-02-29", "2026-11-21T24:00:00Z", "2026-11-21T14:00:00Q", "21/11/2026",
        "2026-11-21T14:00:00.Z", "2026-11-21T14",
    ])
    func rejects(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test(arguments: [Int64(0), 1_795_269_600_123_456, -1, 951_782_400_000_000, 253_402_300_799_999_999])
    func formatRoundTrips(micros: Int64) throws {
        let text = Timestamp.format(micros)
        #expect(text.hasSuffix("Z"))
        #expect(Timestamp.parse(text) == micros)
    }

    @Test func formatsOneFixedShape() {
        #expect(Timestamp.format(1_795_269_600_500_000) == "2026-11-21T14:00:00.500000Z")
        #expect(Timestamp.format(-1) == "1969-12-31T23:59:59.999999Z")
    }
}
