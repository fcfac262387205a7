/// A pickle (protocol 4) of a list of strings: enough for a file pyHaasAPI's readers would accept, written
/// without Python. The importer never reads it back.
enum PickleWriter {
    static func list(of strings: [String]) -> [UInt8] {
        var bytes: [UInt8] = [0x80, 0x04, UInt8(ascii: "]")]  // PROTO 4, EMPTY_LIST
        if !strings.isEmpty {
            bytes.append(UInt8(ascii: "("))  // MARK
            for text in strings {
                let utf8 = Array(text.utf8)
                bytes.append(0x8C)  // SHORT_BINUNICODE
                bytes.append(UInt8(min(utf8.count, 255)))
                bytes.append(contentsOf: utf8.prefix(255))
            }
            bytes.append(UInt8(ascii: "e"))  // APPENDS
        }
        bytes.append(UInt8(ascii: "."))  // STOP
        return bytes
    }
}
