/// Where readers rebuild compressed records: one allocation, kept along a walk.
///
/// Laid out as [spare: `keptPrefix` bytes] [the dictionary's bytes] [tail] [hash]. LZ4 takes its fastest path
/// when its dictionary ends where its output begins (59 against 81 ns for a 365-byte record here), so a tail is
/// decoded right behind the dictionary, and the rebuilt record starts `keptPrefix` bytes before it, over the
/// dictionary's last bytes; those are put back before the next LZ4 block is decoded. Copying the dictionary in
/// costs about as much as fifty such decodes, so it is done from a walk's second LZ4 block on: a read of one event
/// decodes against the dictionary where it lies.
struct RecordScratch: ~Copyable {
    private var base: UnsafeMutableRawPointer?
    private var capacity = 0
    /// The dictionary of the last record rebuilt: a walk meets one for long runs, and this saves the lock of the
    /// log's table of them.
    private var recent: TrainedDictionary?
    /// Whether the buffer holds `recent`'s bytes, and whether their last bytes are their own right now.
    private var windowLaidOut = false
    private var windowIntact = false
    private var lz4Blocks = 0

    init() {}

    deinit { base?.deallocate() }

    /// What a stored record's tail is kept as.
    enum Encoding {
        case zstd(frame: UnsafeRawBufferPointer)
        case lz4(block: UnsafeRawBufferPointer)
    }

    /// The dictionary of `version` when the last record rebuilt used it.
    func dictionary(_ version: UInt32) -> TrainedDictionary? {
        recent?.version == version ? recent : nil
    }

    /// The plain record of a compressed `value` whose tail decodes to `tailSize` bytes, or nil when it does not
    /// decode to that. Valid until the next call.
    mutating func rebuild(
        _ value: UnsafeRawBufferPointer, tailSize: Int, encoding: Encoding, dictionary: TrainedDictionary
    ) -> UnsafeRawBufferPointer? {
        let kept = RecordCodec.keptPrefix
        let windowSize = dictionary.bytes.count
        let needed = kept + windowSize + tailSize + EnvelopeLayout.hashSize
        if capacity < needed {
            base?.deallocate()
            capacity = max(needed, 2 * capacity)
            base = .allocate(byteCount: capacity, alignment: 16)
            windowLaidOut = false
        }
        // Where the tail goes depends on this dictionary's size, so another one's window would be written over.
        if recent !== dictionary { windowLaidOut = false }
        recent = dictionary
        let window = UnsafeMutableRawBufferPointer(start: base! + kept, count: windowSize)
        let tail = UnsafeMutableRawBufferPointer(start: window.baseAddress! + windowSize, count: tailSize)
        let decoded: Bool
        switch encoding {
        case .zstd(let frame):
            decoded = ZstdFrames.decompress(frame, dictionary: dictionary, into: tail)
        case .lz4(let block):
            lz4Blocks += 1
            if !windowLaidOut, lz4Blocks > 1 {
                window.copyMemory(from: dictionary.lz4Window)
                windowLaidOut = true
                windowIntact = true
            }
            if windowLaidOut {
                if !windowIntact { restoreWindowEnd(window, from: dictionary.lz4Window) }
                decoded = LZ4Blocks.decompress(block, into: tail, window: UnsafeRawBufferPointer(window))
            } else {
                decoded = LZ4Blocks.decompress(block, into: tail, window: dictionary.lz4Window)
            }
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

    /// Puts back the dictionary bytes the last rebuilt record's prefix covered: the window's last `keptPrefix`
    /// bytes, or all of it when it is shorter.
    private func restoreWindowEnd(_ window: UnsafeMutableRawBufferPointer, from bytes: UnsafeRawBufferPointer) {
        let covered = min(RecordCodec.keptPrefix, window.count)
        UnsafeMutableRawBufferPointer(rebasing: window[(window.count - covered)...])
            .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - covered)...]))
    }
}
