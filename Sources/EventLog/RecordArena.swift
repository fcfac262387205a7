import Platform
import Synchronization

/// One batch's records, laid out in a single allocation: each slot holds an envelope followed by room for
/// its 32-byte hash.
///
/// The writer thread decides each draft in order (id claim, stream version and link, position) and
/// publishes how many are staged; a helper thread encodes the envelopes and chains the hashes right behind
/// it (`SHA-256(previous ‖ envelope)` is strictly sequential, but it need not run on the thread that holds
/// the LMDB transaction). The writer then appends each sealed record. Every slot is written by one thread
/// before its counter is released and read by the other only after acquiring that counter, and the drafts
/// are only read, which is what makes the `@unchecked Sendable` sound.
final class RecordArena: @unchecked Sendable {
    private let storage: UnsafeMutableRawBufferPointer
    private let offsets: UnsafeMutableBufferPointer<Int>
    private let envelopeSizes: UnsafeMutableBufferPointer<Int>
    /// What each sealed slot stores: the plain record, or less when `RecordCodec` compressed it in place.
    private let storedSizes: UnsafeMutableBufferPointer<Int>
    /// False for drafts whose id was already in the log: they have no record.
    private let isRecord: UnsafeMutableBufferPointer<Bool>
    /// What the writer decided for each record slot, for the encoder.
    private let placements: UnsafeMutableBufferPointer<Placement>
    /// The batch's drafts, borrowed from the caller's array for the life of the batch.
    private let drafts: UnsafeBufferPointer<EventDraft>

    /// The envelope fields the log assigns.
    struct Placement {
        var position: UInt64 = 0
        var recordedAt: Int64 = 0
        var streamVersion: UInt64 = 0
        var previousInStream: UInt64 = 0
    }
    let count: Int

    /// Slots [0, staged) have been decided (record or duplicate) and, if records, encoded.
    private let staged = Atomic<Int>(0)
    /// Slots [0, hashed) carry their hash.
    private let hashed = Atomic<Int>(0)
    /// Set when the writer gives up on the batch; the hasher stops waiting.
    private let abandoned = Atomic<Bool>(false)

    /// Batches at least this large hash on a helper thread; smaller ones hash inline, where a thread
    /// hand-off would cost more than it saves.
    static let concurrentThreshold = 512

    init(drafts: UnsafeBufferPointer<EventDraft>, envelopeSizes sizes: [Int]) {
        self.drafts = drafts
        count = sizes.count
        placements = .allocate(capacity: max(1, count))
        placements.initialize(repeating: Placement())
        offsets = .allocate(capacity: max(1, count))
        envelopeSizes = .allocate(capacity: max(1, count))
        storedSizes = .allocate(capacity: max(1, count))
        storedSizes.initialize(repeating: 0)
        isRecord = .allocate(capacity: max(1, count))
        var total = 0
        for (index, size) in sizes.enumerated() {
            offsets[index] = total
            envelopeSizes[index] = size
            total += size + EnvelopeLayout.hashSize
        }
        isRecord.initialize(repeating: false)
        storage = .allocate(byteCount: max(1, total), alignment: 8)
    }

    deinit {
        storage.deallocate()
        offsets.deallocate()
        envelopeSizes.deallocate()
        storedSizes.deallocate()
        isRecord.deallocate()
        placements.deallocate()
    }

    private func envelopeSlot(_ index: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: storage[offsets[index]..<(offsets[index] + envelopeSizes[index])])
    }

    /// Publishes slot `index` (in order) as a record placed as given.
    func publishRecord(_ index: Int, _ placement: Placement) {
        placements[index] = placement
        isRecord[index] = true
        staged.store(index + 1, ordering: .releasing)
    }

    /// Publishes slot `index` (in order) as a duplicate, which has no record.
    func publishDuplicate(_ index: Int) {
        isRecord[index] = false
        staged.store(index + 1, ordering: .releasing)
    }

    /// Marks the batch abandoned so a waiting hasher returns.
    func abandon() { abandoned.store(true, ordering: .releasing) }

    /// Encodes every record slot and chains its hash, starting from `previous`, waiting for slots the writer
    /// has not published yet, and compresses it with `dictionary` when there is one. Returns early if the batch
    /// is abandoned.
    func sealAll(startingFrom previous: SHA256Hash, dictionary: TrainedDictionary?) {
        guard let dictionary else { return seal(startingFrom: previous, compressing: nil) }
        RecordCodec.compressors.withItem { seal(startingFrom: previous, compressing: (dictionary, $0)) }
    }

    private func seal(
        startingFrom previous: SHA256Hash,
        compressing: (dictionary: TrainedDictionary, compressor: RecordCodec.Compressor)?
    ) {
        var previous = previous
        var index = 0
        while index < count {
            var available = staged.load(ordering: .acquiring)
            var spins = 0
            while available <= index {
                if abandoned.load(ordering: .acquiring) { return }
                spins += 1
                if spins > 64 { sched_yield() }
                available = staged.load(ordering: .acquiring)
            }
            while index < available {
                if isRecord[index] {
                    let placement = placements[index]
                    let slot = envelopeSlot(index)
                    EnvelopeEncoder.encode(
                        drafts.baseAddress! + index, position: placement.position, recordedAt: placement.recordedAt,
                        streamVersion: placement.streamVersion, previousInStream: placement.previousInStream, into: slot
                    )
                    let envelope = UnsafeRawBufferPointer(slot)
                    previous = SHA256Hash.chain(previous: previous, envelope: envelope)
                    previous.withUnsafeBytes { hash in
                        storage.baseAddress!.advanced(by: offsets[index] + envelopeSizes[index])
                            .copyMemory(from: hash.baseAddress!, byteCount: EnvelopeLayout.hashSize)
                    }
                    storedSizes[index] = envelopeSizes[index] + EnvelopeLayout.hashSize
                    if let compressing {
                        let record = UnsafeMutableRawBufferPointer(
                            rebasing: storage[offsets[index]..<(offsets[index] + storedSizes[index])])
                        storedSizes[index] = RecordCodec.compress(
                            record, envelopeSize: envelopeSizes[index], dictionary: compressing.dictionary,
                            compressor: compressing.compressor)
                    }
                }
                index += 1
                hashed.store(index, ordering: .releasing)
            }
        }
    }

    /// How many leading slots are sealed right now (never blocks).
    var sealedCount: Int { hashed.load(ordering: .acquiring) }

    /// The stored value of slot `index` (envelope ‖ hash, or its compressed form) once its hash is published, or
    /// nil for a duplicate.
    func waitForRecord(_ index: Int) -> UnsafeRawBufferPointer? {
        var spins = 0
        while hashed.load(ordering: .acquiring) <= index {
            spins += 1
            if spins > 64 { sched_yield() }
        }
        guard isRecord[index] else { return nil }
        let start = offsets[index]
        return UnsafeRawBufferPointer(rebasing: storage[start..<(start + storedSizes[index])])
    }
}

#if canImport(Glibc)
    import Glibc
#endif
