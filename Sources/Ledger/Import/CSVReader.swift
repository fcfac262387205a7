/// An RFC 4180 reader for the CSV reports pyHaasAPI wrote (Python's `csv` module: quoted fields may hold
/// commas, doubled quotes and line breaks; records end in CRLF or LF).
enum CSVReader {
    struct Failure: Error, CustomStringConvertible, Equatable {
        let line: Int
        let reason: String
        var description: String { "line \(line): \(reason)" }
    }

    /// The records, each a list of fields. Fails on an unterminated quoted field, on text after a closing
    /// quote, and on invalid UTF-8.
    static func records(_ bytes: [UInt8]) throws(Failure) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var line = 1
        var recordLine = 1
        var index = 0
        var quoted = false
        var afterQuote = false
        func finishField() throws(Failure) {
            guard let text = String(validating: field, as: UTF8.self) else {
                throw Failure(line: recordLine, reason: "not valid UTF-8")
            }
            record.append(text)
            field.removeAll(keepingCapacity: true)
            afterQuote = false
        }
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        quoted = false
                        afterQuote = true
                    }
                } else {
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: ","):
                try finishField()
            case UInt8(ascii: "\r") where index < bytes.count && bytes[index] == UInt8(ascii: "\n"):
                continue
            case UInt8(ascii: "\n"):
                try finishField()
                records.append(record)
                record.removeAll()
                line += 1
                recordLine = line
            case UInt8(ascii: "\"") where field.isEmpty && !afterQuote:
                quoted = true
            default:
                if afterQuote { throw Failure(line: line, reason: "text after a closing quote") }
                field.append(byte)
            }
        }
        if quoted { throw Failure(line: recordLine, reason: "a quoted field is never closed (truncated file?)") }
        if !field.isEmpty || !record.isEmpty || afterQuote {
            try finishField()
            records.append(record)
        }
        return records
    }
}
