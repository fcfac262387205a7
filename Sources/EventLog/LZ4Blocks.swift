import CLZ4

/// LZ4 blocks against a trained dictionary, for event records: a replay decodes one in about a sixth of the
/// time a zstd frame of the same record takes (59 against 338 ns for a 365-byte record on this machine), which
/// is what keeps replay near the speed of reading the memory map. The block carries no size or checksum; the
/// stored record says how large it decodes, and the record's hash chain covers the content, as it does for a
/// plain record.
enum LZ4Blocks {
    /// The largest input LZ4 takes (`LZ4_MAX_INPUT_SIZE`).
    static let largestInput = 0x7E00_0000

    /// One compression state, attached to a dictionary's prepared stream for each block: that costs a few
    /// resets, where loading the dictionary into the state would hash all its 64 KiB again.
    final class Compressor: @unchecked Sendable {
        private let stream: UnsafeMutablePointer<LZ4_stream_t>
        /// Where blocks are written before the bytes are copied out, kept from one block to the next.
        private var scratch = UnsafeMutableRawBufferPointer(start: nil, count: 0)

        init() {
            // Allocation failure is the only way this fails; there is nothing sensible to do but stop.
            guard let stream = LZ4_createStream() else { fatalError("lz4: out of memory for a compression state") }
            self.stream = stream
        }

        deinit {
            LZ4_freeStream(stream)
            scratch.deallocate()
        }

        /// `source` as one block appended to `out`, or false when the block would not be smaller than `limit`
        /// bytes (`out` is then as it was).
        func compress(
            _ source: UnsafeRawBufferPointer, dictionary: TrainedDictionary, limit: Int, into out: inout [UInt8]
        ) -> Bool {
            guard source.count <= largestInput, limit > 1 else { return false }
            let capacity = min(limit - 1, Int(LZ4_compressBound(Int32(source.count))))
            if scratch.count < capacity {
                scratch.deallocate()
                scratch = .allocate(byteCount: max(capacity, 2 * scratch.count), alignment: 16)
            }
            LZ4_resetStream_fast(stream)
            dictionary.withLZ4Stream { LZ4_attach_dictionary(stream, $0) }
            let written = LZ4_compress_fast_continue(
                stream, source.baseAddress?.assumingMemoryBound(to: CChar.self),
                scratch.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(source.count), Int32(capacity), 1)
            guard written > 0 else { return false }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[..<Int(written)]))
            return true
        }
    }

    /// Whether `block` could decode to `size` bytes: LZ4 expands at most 255-fold, so a larger size is damage,
    /// not a reason to allocate it.
    static func canDecode(_ block: UnsafeRawBufferPointer, to size: Int) -> Bool {
        size <= 255 * block.count
    }

    /// Decodes `block` into `destination`, which must be exactly the size it decodes to; false when the block is
    /// damaged or decodes to another size. `window` holds the dictionary's bytes; LZ4 takes its fastest path when
    /// they end right where `destination` begins.
    static func decompress(
        _ block: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer, window: UnsafeRawBufferPointer
    ) -> Bool {
        guard block.count <= largestInput, destination.count <= largestInput, let source = block.baseAddress,
            let output = destination.baseAddress
        else { return false }
        let written = LZ4_decompress_safe_usingDict(
            source.assumingMemoryBound(to: CChar.self), output.assumingMemoryBound(to: CChar.self),
            Int32(block.count), Int32(destination.count), window.baseAddress?.assumingMemoryBound(to: CChar.self),
            Int32(window.count))
        return Int(written) == destination.count
    }
}
