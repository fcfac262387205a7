import NIOCore
import Projections

/// Rows in `COPY … FROM STDIN` text format (tab-separated, `\N` for NULL, backslash escapes), each led by the
/// ledger id, gathered into a buffer that the caller sends whenever it is full.
struct CopyTextEncoder: RowSink {
    private(set) var buffer: ByteBuffer
    private let ledgerID: [UInt8]
    private var atRowStart = true
    private(set) var rows = 0

    init(ledgerID: String, capacity: Int = 1 << 20) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity + 4096)
        self.ledgerID = Array(ledgerID.utf8)
    }

    /// True once the buffer holds about a megabyte: time to send it.
    var isFull: Bool { buffer.readableBytes >= 1 << 20 }

    /// Hands over what is gathered and starts an empty buffer.
    mutating func take() -> ByteBuffer {
        let full = buffer
        buffer = ByteBufferAllocator().buffer(capacity: (1 << 20) + 4096)
        return full
    }

    private mutating func separate() {
        if atRowStart {
            buffer.writeBytes(ledgerID)
            atRowStart = false
        }
        buffer.writeInteger(UInt8(ascii: "\t"))
    }

    mutating func null() {
        separate()
        buffer.writeStaticString("\\N")
    }

    mutating func integer(_ value: Int64) {
        separate()
        buffer.writeString(String(value))
    }

    mutating func real(_ value: Double) {
        separate()
        if value.isNaN {
            buffer.writeStaticString("NaN")
        } else if value.isInfinite {
            buffer.writeStaticString(value > 0 ? "Infinity" : "-Infinity")
        } else {
            // Swift's shortest spelling that reads back as the same double.
            buffer.writeString(value.description)
        }
    }

    mutating func text(_ bytes: UnsafeRawBufferPointer) {
        separate()
        var start = 0
        for (index, byte) in bytes.enumerated() {
            let escape: UInt8? =
                switch byte {
                case UInt8(ascii: "\\"): UInt8(ascii: "\\")
                case UInt8(ascii: "\t"): UInt8(ascii: "t")
                case UInt8(ascii: "\n"): UInt8(ascii: "n")
                case UInt8(ascii: "\r"): UInt8(ascii: "r")
                default: nil
                }
            guard let escape else { continue }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
            buffer.writeInteger(UInt8(ascii: "\\"))
            buffer.writeInteger(escape)
            start = index + 1
        }
        buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[start...]))
    }

    /// A `bytea` in its hex form (`\\x` and two digits a byte: COPY's own backslash doubled).
    mutating func bytea(_ bytes: UnsafeRawBufferPointer) {
        separate()
        buffer.writeStaticString("\\\\x")
        let digits: StaticString = "0123456789abcdef"
        digits.withUTF8Buffer { digits in
            _ = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bytes.count * 2) { out in
                for (index, byte) in bytes.enumerated() {
                    out[2 * index] = digits[Int(byte >> 4)]
                    out[2 * index + 1] = digits[Int(byte & 0x0f)]
                }
                return bytes.count * 2
            }
        }
    }

    mutating func endRow() {
        if atRowStart { buffer.writeBytes(ledgerID) }
        buffer.writeInteger(UInt8(ascii: "\n"))
        atRowStart = true
        rows += 1
    }
}
