/// Where readers rebuild compressed records: one allocation, kept along a walk.
///
/// Laid out as [spare: `keptPrefix` bytes] [the dictionary's bytes] [tail] [hash]. LZ4 takes its fastest path
/// when its dictionary ends where its output begins (59 against 81 ns for a 365-byte record here), so a tail is
/// decoded right behind the dictionary, and the rebuilt record starts `keptPrefix` bytes before it, over the
/// dictionary's last bytes; those are put back before the next LZ4 block is decoded.
struct RecordScratch: ~Copyable {
    private var base: UnsafeMutableRawPointer?
    private var capacity = 0
    /// The dictionary whose bytes the buffer holds, and whether its last bytes are its own right now.
    private var laidOut: TrainedDictionary?
    private var windowIntact = false

    init() {}

    deinit { base?.deallocate() }

    /// What a stored record's tail is kept as.
    enum Encoding {
        case zstd(frame: UnsafeRawBufferPointer)
        case lz4(block: UnsafeRawBufferPointer)
    }

    /// The dictionary of `version` when it is the one laid out (a walk meets one dictionary for long runs, and
    /// this saves the lock of the log's table of them).
    func dictionary(_ version: UInt32) -> TrainedDictionary? {
        laidOut?.version == version ? laidOut : nil
    }

    /// The plain record of a compressed `value` whose tail decodes to `tailSize` bytes, or nil when it does not
    /// decode to that. Valid until the next call.
    mutating func rebuild(
        _ value: UnsafeRawBufferPointer, tailSize: Int, encoding: Encoding, dictionary: TrainedDictionary
    ) -> UnsafeRawBufferPointer? {
        let kept = RecordCodec.keptPrefix
        let windowSize = dictionary.bytes.count
        let needed = kept + windowSize + tailSize + EnvelopeLayout.hashSize
        if capacity < needed || laidOut !== dictionary {
            if capacity < needed {
                base?.deallocate()
                capacity = max(needed, 2 * capacity)
                base = .allocate(byteCount: capacity, alignment: 16)
            }
            layOut(dictionary, bytes: windowSize)
        }
        let buffer = base!
        let window = buffer + kept
        let tail = UnsafeMutableRawBufferPointer(start: window + windowSize, count: tailSize)
        let decoded: Bool
        switch encoding {
        case .zstd(let frame):
            decoded = ZstdFrames.decompress(frame, dictionary: dictionary, into: tail)
        case .lz4(let block):
            if !windowIntact { restoreWindowEnd(dictionary, bytes: windowSize) }
            decoded = LZ4Blocks.decompress(
                block, into: tail, window: UnsafeRawBufferPointer(start: window, count: windowSize))
        }
        guard decoded else { return nil }
        let record = tail.baseAddress! - kept
        record.copyMemory(from: value.baseAddress!, byteCount: kept)
        record.storeBytes(of: EnvelopeLayout.format, as: UInt8.self)
        windowIntact = false
        (tail.baseAddress! + tailSize).copyMemory(
            from: value.baseAddress! + RecordCodec.hashOffset, byteCount: EnvelopeLayout.hashSize)
        return UnsafeRawBufferPointer(start: record, count: kept + tailSize + EnvelopeLayout.hashSize)
    }

    private mutating func layOut(_ dictionary: TrainedDictionary, bytes windowSize: Int) {
        dictionary.bytes.withUnsafeBytes {
            (base! + RecordCodec.keptPrefix).copyMemory(from: $0.baseAddress!, byteCount: windowSize)
        }
        laidOut = dictionary
        windowIntact = true
    }

    /// Puts back the dictionary bytes the last rebuilt record's prefix covered: the window's last `keptPrefix`
    /// bytes, or all of it when it is shorter.
    private mutating func restoreWindowEnd(_ dictionary: TrainedDictionary, bytes windowSize: Int) {
        let covered = min(RecordCodec.keptPrefix, windowSize)
        dictionary.bytes.withUnsafeBytes {
            (base! + RecordCodec.keptPrefix + windowSize - covered).copyMemory(
                from: $0.baseAddress! + windowSize - covered, byteCount: covered)
        }
        windowIntact = true
    }
}
