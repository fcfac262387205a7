import CZstd
import Platform

/// zstd frames in and out of byte buffers, and dictionary training. Contexts are made and freed inside each
/// call that needs one (or each `Compressor`), never handed out.
enum ZstdFrames {
    /// Level 1: with a dictionary trained on runtimes it compresses them as well as level 3 (5.1× against 4.9×
    /// on the simulator's) at twice the speed (about 350 MB/s on one core here).
    static let level: Int32 = 1

    /// Compresses many buffers with one context: one per thread of a large batch, and one a log keeps for its
    /// small batches, used under its writer lock (a context allocates and clears about a megabyte before its
    /// first frame, which for a sweep's few-kilobyte commits cost more than the compression).
    final class Compressor: @unchecked Sendable {
        private let context: OpaquePointer
        /// Where frames are written before the bytes written are copied out: room for the worst case, kept from
        /// one frame to the next (zeroing a bound's worth in the output per frame cost more than a copy).
        private var scratch = UnsafeMutableRawBufferPointer(start: nil, count: 0)

        init() {
            // Allocation failure is the only way this returns nil; there is nothing sensible to do but stop.
            guard let context = ZSTD_createCCtx() else { fatalError("zstd: out of memory for a compression context") }
            // A content checksum, so a damaged stored value fails to decompress instead of reading back wrong;
            // no dictionary id in the frame (the stored value names its dictionary).
            ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
            ZSTD_CCtx_setParameter(context, ZSTD_c_dictIDFlag, 0)
            self.context = context
        }

        deinit {
            ZSTD_freeCCtx(context)
            scratch.deallocate()
        }

        /// `source` as one frame (with its content size in the header) appended to `out`, or false when the
        /// frame would not be smaller than `limit` bytes (`out` is then as it was).
        func compress(
            _ source: UnsafeRawBufferPointer, dictionary: TrainedDictionary?, limit: Int, into out: inout [UInt8]
        ) -> Bool {
            let bound = ZSTD_compressBound(source.count)
            if scratch.count < bound {
                scratch.deallocate()
                scratch = .allocate(byteCount: max(bound, 2 * scratch.count), alignment: 16)
            }
            if let dictionary {
                dictionary.withZstdCompression { _ = ZSTD_CCtx_refCDict(context, $0) }
            } else {
                ZSTD_CCtx_refCDict(context, nil)
                ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)
            }
            let written = ZSTD_compress2(context, scratch.baseAddress, bound, source.baseAddress, source.count)
            guard ZSTD_isError(written) == 0, written < limit else { return false }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[..<written]))
            return true
        }
    }

    /// Compression contexts for callers that each need one for a while (a blob batch's thread).
    static let compressors = IdlePool(capacity: 8) { Compressor() }

    /// The size a frame says it decompresses to, or nil when the bytes are not a frame that says so, or say more
    /// than the frame could hold: every block of at most 128 KiB takes at least three bytes, so a damaged header
    /// cannot make a reader allocate gigabytes for a few bytes of frame.
    static func contentSize(_ frame: UnsafeRawBufferPointer) -> Int? {
        let size = ZSTD_getFrameContentSize(frame.baseAddress, frame.count)
        guard size != haasledger_zstd_content_size_unknown, size != haasledger_zstd_content_size_error,
            size <= UInt64(frame.count / 3 + 1) << 17
        else { return nil }
        return Int(size)
    }

    /// A decompression context, kept for the next frame: making one cost about a quarter of reading a
    /// runtime's body back (8 µs of 35).
    private final class Decompressor: @unchecked Sendable {
        let context: OpaquePointer

        init() {
            guard let context = ZSTD_createDCtx() else { fatalError("zstd: out of memory for a decompression context") }
            self.context = context
        }

        deinit { ZSTD_freeDCtx(context) }
    }

    /// Contexts not in use, one per thread that reads at once.
    private static let decompressors = IdlePool(capacity: 8) { Decompressor() }

    /// The bytes of one frame, or nil when the frame is damaged or does not decompress to the size it names.
    static func decompress(_ frame: UnsafeRawBufferPointer, dictionary: TrainedDictionary?) -> [UInt8]? {
        guard let size = contentSize(frame) else { return nil }
        var failed = false
        let content = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            failed = !decompress(frame, dictionary: dictionary, into: UnsafeMutableRawBufferPointer(buffer))
            count = failed ? 0 : size
        }
        return failed ? nil : content
    }

    /// Decompresses one frame into `destination`, which must be exactly the size the frame names; false when
    /// the frame is damaged or decompresses to another size.
    static func decompress(
        _ frame: UnsafeRawBufferPointer, dictionary: TrainedDictionary?, into destination: UnsafeMutableRawBufferPointer
    ) -> Bool {
        decompressors.withItem { decompressor in
            let context = decompressor.context
            let size = destination.count
            let written =
                dictionary?.withZstdDecompression {
                    ZSTD_decompress_usingDDict(
                        context, destination.baseAddress, size, frame.baseAddress, frame.count, $0)
                } ?? ZSTD_decompressDCtx(context, destination.baseAddress, size, frame.baseAddress, frame.count)
            return ZSTD_isError(written) == 0 && written == size
        }
    }

    /// A dictionary of at most `capacity` bytes trained on `samples`, or nil when zstd finds too little to
    /// learn from (too few or too small samples: blobs are then compressed without one).
    ///
    /// FastCover with the segment size (k = 1024, d = 8) that zstd's own search picks on runtime bodies, rather
    /// than `ZDICT_trainFromBuffer`'s search over four: on 2 MB of runtimes it trains in 0.03 s instead of 0.14
    /// (a tenth of a 10,000-runtime import) and compresses the next 52 MB 1 % smaller.
    static func train(_ samples: [[UInt8]], capacity: Int) -> [UInt8]? {
        var joined: [UInt8] = []
        joined.reserveCapacity(samples.reduce(0) { $0 + $1.count })
        for sample in samples { joined.append(contentsOf: sample) }
        let sizes = samples.map { $0.count }
        var dictionary = [UInt8](repeating: 0, count: capacity)
        let size = dictionary.withUnsafeMutableBytes { out in
            joined.withUnsafeBytes { source in
                var parameters = ZDICT_fastCover_params_t()
                parameters.k = 1024
                parameters.d = 8
                parameters.f = 20
                parameters.accel = 1
                parameters.splitPoint = 1
                parameters.zParams.compressionLevel = level
                return ZDICT_trainFromBuffer_fastCover(
                    out.baseAddress, capacity, source.baseAddress, sizes, UInt32(sizes.count), parameters)
            }
        }
        guard ZDICT_isError(size) == 0, size > 0 else { return nil }
        return Array(dictionary.prefix(size))
    }
}
