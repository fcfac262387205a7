/// Byte offsets of the fixed part of an envelope (format 1). FORMAT.md is the human-readable copy;
/// the two must change together, and only by introducing a new envelope format.
enum EnvelopeLayout {
    static let format: UInt8 = 1
    static let formatOffset = 0
    static let positionOffset = 1
    static let recordedAtOffset = 9
    static let streamVersionOffset = 17
    static let schemaVersionOffset = 25
    static let flagsOffset = 29
    static let idOffset = 30
    static let observedAtOffset = 46
    static let correlationOffset = 54
    static let causationOffset = 70
    static let previousInStreamOffset = 78
    /// The payload is the envelope's last field; its length sits here so readers find it without a walk.
    static let payloadLengthOffset = 86
    static let fixedSize = 90
    static let hashSize = 32

    static let hasObservedAt: UInt8 = 1
    static let hasCorrelation: UInt8 = 2
    static let hasCausation: UInt8 = 4
    static let knownFlags: UInt8 = 7
}
