/// Reads a runtime straight from JSON bytes, skipping what the ledger does not use.
///
/// `JSONDecoder` builds a dictionary for every object it enters, which makes a 25 KB runtime cost about
/// 0.5 ms; importing a cache of ten thousand runtimes spends most of its time there. This reader validates
/// the JSON syntax while it skips and decodes only `BacktestRuntime`'s fields. It covers the common shape
/// only: on anything it does not handle exactly as `JSONDecoder` would (a duplicate key, a number where an
/// integer is expected with a fraction or exponent, a wrong type, a lone surrogate) it returns nil, and the
/// caller decodes with `JSONDecoder`, which then also words any error.
public enum RuntimeReader {
    /// The runtime in `bytes` (bare `Data` or the `{Success, Error, Data}` envelope), or nil when the fast
    /// path does not apply. `hasReports` is false when the document has no `Reports` key.
    public static func read(_ bytes: [UInt8]) -> (runtime: BacktestRuntime, hasReports: Bool)? {
        bytes.withUnsafeBufferPointer { buffer in
            var cursor = Cursor(buffer)
            do {
                var result: (BacktestRuntime, Bool)?
                var bare = RuntimeFields()
                var sawData = false
                try cursor.object { key, cursor in
                    if key == "Data" {
                        guard !sawData, cursor.peek() == UInt8(ascii: "{") else { throw Unsupported() }
                        sawData = true
                        var fields = RuntimeFields()
                        try cursor.object { key, cursor in try fields.read(key, &cursor) }
                        result = (fields.runtime, fields.hasReports)
                    } else {
                        try bare.read(key, &cursor)
                    }
                }
                cursor.skipWhitespace()
                guard cursor.atEnd else { return nil }
                return result ?? (bare.runtime, bare.hasReports)
            } catch {
                return nil
            }
        }
    }

    struct Unsupported: Error {}

    /// The top-level runtime fields, filled as their keys arrive.
    private struct RuntimeFields {
        var seen = Set<String>()
        var botID: String?, botName: String?, scriptID: String?, scriptName: String?, accountID: String?
        var priceMarket: String?
        var leverage: Double?
        var activatedSince: Int64?, deactivatedSince: Int64?, lastUpdateTimestamp: Int64?
        var reports: [String: RuntimeReport] = [:]
        var positions: [RuntimePosition] = []
        var hasReports = false

        var runtime: BacktestRuntime {
            BacktestRuntime(
                botID: botID, botName: botName, scriptID: scriptID, scriptName: scriptName, accountID: accountID,
                priceMarket: priceMarket, leverage: leverage, activatedSince: activatedSince,
                deactivatedSince: deactivatedSince, lastUpdateTimestamp: lastUpdateTimestamp, reports: reports,
                finishedPositions: positions)
        }

        mutating func read(_ key: String, _ cursor: inout Cursor) throws {
            switch key {
            case "BotId", "BotName", "ScriptId", "ScriptName", "AccountId", "PriceMarket", "Leverage",
                "ActivatedSince", "DeactivatedSince", "LastUpdateTimestamp", "Reports", "FinishedPositions":
                guard seen.insert(key).inserted else { throw Unsupported() }
            default:
                return try cursor.skipValue()
            }
            switch key {
            case "BotId": botID = try cursor.optionalString()
            case "BotName": botName = try cursor.optionalString()
            case "ScriptId": scriptID = try cursor.optionalString()
            case "ScriptName": scriptName = try cursor.optionalString()
            case "AccountId": accountID = try cursor.optionalString()
            case "PriceMarket": priceMarket = try cursor.optionalString()
            case "Leverage": leverage = try cursor.optionalDouble()
            case "ActivatedSince": activatedSince = try cursor.optionalInteger()
            case "DeactivatedSince": deactivatedSince = try cursor.optionalInteger()
            case "LastUpdateTimestamp": lastUpdateTimestamp = try cursor.optionalInteger()
            case "Reports":
                hasReports = true
                if try cursor.null() { return }
                try cursor.object { name, cursor in
                    guard reports[name] == nil else { throw Unsupported() }
                    reports[name] = try RuntimeReader.report(&cursor)
                }
            default:
                if try cursor.null() { return }
                try cursor.array { cursor in positions.append(try RuntimeReader.position(&cursor)) }
            }
        }
    }

    private static func report(_ cursor: inout Cursor) throws -> RuntimeReport {
        var seen = Set<String>()
        var market: String?, label: String?
        var fees: RuntimeReport.Fees?, profits: RuntimeReport.Profits?
        var positions: RuntimeReport.Positions?, performance: RuntimeReport.Performance?
        try cursor.object { key, cursor in
            guard ["M", "PL", "F", "PR", "P", "T"].contains(key) else { return try cursor.skipValue() }
            guard seen.insert(key).inserted else { throw Unsupported() }
            if key == "M" { return market = try cursor.optionalString() }
            if key == "PL" { return label = try cursor.optionalString() }
            if try cursor.null() { return }
            var values: [String: Double] = [:]
            var integers: [String: Int] = [:]
            try cursor.object { field, cursor in
                let wanted: Set<String> =
                    switch key {
                    case "F": ["TFC", "FC"]
                    case "PR": ["SP", "SB", "PC", "GP", "RP", "UP", "ROI", "RM"]
                    case "P": ["C", "W"]
                    default: ["SHR", "SOR", "WP", "PF", "MaxDrawDown"]
                    }
                guard wanted.contains(field) else { return try cursor.skipValue() }
                guard values[field] == nil, integers[field] == nil else { throw Unsupported() }
                if key == "P" {
                    if let number = try cursor.optionalInteger() { integers[field] = Int(number) }
                } else if let number = try cursor.optionalDouble() {
                    values[field] = number
                }
                // A key present with null still counts as seen for the duplicate check.
                if values[field] == nil && integers[field] == nil { values[field] = .nan }
            }
            func value(_ field: String) -> Double? { values[field].flatMap { $0.isNaN ? nil : $0 } }
            switch key {
            case "F": fees = RuntimeReport.Fees(totalFeeCosts: value("TFC"), feeCosts: value("FC"))
            case "PR":
                profits = RuntimeReport.Profits(
                    startPrice: value("SP"), startBalance: value("SB"), priceChange: value("PC"),
                    grossProfits: value("GP"), realizedProfits: value("RP"), unrealizedProfits: value("UP"),
                    returnOnInvestment: value("ROI"), roiMargin: value("RM"))
            case "P": positions = RuntimeReport.Positions(closed: integers["C"], winning: integers["W"])
            default:
                performance = RuntimeReport.Performance(
                    sharpe: value("SHR"), sortino: value("SOR"), winPercentage: value("WP"), profitFactor: value("PF"),
                    maxDrawDown: value("MaxDrawDown"))
            }
        }
        return RuntimeReport(
            market: market, profitLabel: label, fees: fees, profits: profits, positions: positions,
            performance: performance)
    }

    private static let positionKeys = ["g", "d", "ot", "ct", "ic", "ap", "fe", "rp", "up", "roi", "eno", "exo"]
    private static let orderKeys = ["d", "ep", "af", "fe", "m", "pr", "ct"]

    private static func position(_ cursor: inout Cursor) throws -> RuntimePosition {
        var seen: UInt32 = 0
        var id: String?, direction: Int64?, opened: Int64?, closed: Int64?, isClosed: Bool?
        var average: Double?, fees: Double?, realized: Double?, unrealized: Double?, roi: Double?
        var entries: [RuntimeOrder] = [], exits: [RuntimeOrder] = []
        try cursor.object { key, cursor in
            guard let bit = positionKeys.firstIndex(of: key) else { return try cursor.skipValue() }
            guard seen & (1 << bit) == 0 else { throw Unsupported() }
            seen |= 1 << bit
            switch key {
            case "g": id = try cursor.optionalString()
            case "d": direction = try cursor.optionalInteger()
            case "ot": opened = try cursor.optionalInteger()
            case "ct": closed = try cursor.optionalInteger()
            case "ic": isClosed = try cursor.optionalBool()
            case "ap": average = try cursor.optionalDouble()
            case "fe": fees = try cursor.optionalDouble()
            case "rp": realized = try cursor.optionalDouble()
            case "up": unrealized = try cursor.optionalDouble()
            case "roi": roi = try cursor.optionalDouble()
            default:
                var orders: [RuntimeOrder] = []
                if try !cursor.null() { try cursor.array { orders.append(try RuntimeReader.order(&$0)) } }
                if key == "eno" { entries = orders } else { exits = orders }
            }
        }
        return RuntimePosition(
            positionID: id, direction: direction.map(Int.init), openedAt: opened, closedAt: closed,
            isClosed: isClosed, averagePrice: average, fees: fees, realizedProfit: realized,
            unrealizedProfit: unrealized, roi: roi, entryOrders: entries, exitOrders: exits)
    }

    private static func order(_ cursor: inout Cursor) throws -> RuntimeOrder {
        var seen: UInt32 = 0
        var direction: Int64?, completed: Int64?
        var price: Double?, amount: Double?, fee: Double?, margin: Double?, profit: Double?
        try cursor.object { key, cursor in
            guard let bit = orderKeys.firstIndex(of: key) else { return try cursor.skipValue() }
            guard seen & (1 << bit) == 0 else { throw Unsupported() }
            seen |= 1 << bit
            switch key {
            case "d": direction = try cursor.optionalInteger()
            case "ct": completed = try cursor.optionalInteger()
            case "ep": price = try cursor.optionalDouble()
            case "af": amount = try cursor.optionalDouble()
            case "fe": fee = try cursor.optionalDouble()
            case "m": margin = try cursor.optionalDouble()
            default: profit = try cursor.optionalDouble()
            }
        }
        return RuntimeOrder(
            direction: direction.map(Int.init), executionPrice: price, amountFilled: amount, fee: fee, margin: margin,
            grossProfit: profit, completedAt: completed)
    }

    /// A validating JSON cursor: every value it passes over, skipped or read, must be well-formed.
    struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var depth = 0

        init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        var atEnd: Bool { index >= bytes.count }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func peek() -> UInt8? {
            skipWhitespace()
            return index < bytes.count ? bytes[index] : nil
        }

        mutating func expect(_ byte: UInt8) throws {
            guard peek() == byte else { throw Unsupported() }
            index += 1
        }

        mutating func object(_ member: (String, inout Cursor) throws -> Void) throws {
            try expect(UInt8(ascii: "{"))
            depth += 1
            guard depth < 512 else { throw Unsupported() }
            if peek() == UInt8(ascii: "}") {
                index += 1
                depth -= 1
                return
            }
            while true {
                let key = try string()
                try expect(UInt8(ascii: ":"))
                try member(key, &self)
                switch peek() {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"):
                    index += 1
                    depth -= 1
                    return
                default: throw Unsupported()
                }
            }
        }

        mutating func array(_ element: (inout Cursor) throws -> Void) throws {
            try expect(UInt8(ascii: "["))
            depth += 1
            guard depth < 512 else { throw Unsupported() }
            if peek() == UInt8(ascii: "]") {
                index += 1
                depth -= 1
                return
            }
            while true {
                try element(&self)
                switch peek() {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"):
                    index += 1
                    depth -= 1
                    return
                default: throw Unsupported()
                }
            }
        }

        mutating func skipValue() throws {
            switch peek() {
            case UInt8(ascii: "{"): try object { _, cursor in try cursor.skipValue() }
            case UInt8(ascii: "["): try array { try $0.skipValue() }
            case UInt8(ascii: "\""): _ = try stringRange()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: _ = try numberRange()
            }
        }

        mutating func literal(_ word: StaticString) throws {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw Unsupported() }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw Unsupported() }
            index += count
        }

        /// True (and consumed) when the next value is `null`.
        mutating func null() throws -> Bool {
            guard peek() == UInt8(ascii: "n") else { return false }
            try literal("null")
            return true
        }

        /// The raw bytes of a string (between the quotes) and whether it holds escapes.
        mutating func stringRange() throws -> (range: Range<Int>, escaped: Bool) {
            try expect(UInt8(ascii: "\""))
            let start = index
            var escaped = false
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return (start..<(index - 1), escaped)
                }
                if byte < 0x20 { throw Unsupported() }
                if byte == UInt8(ascii: "\\") {
                    escaped = true
                    index += 2
                } else {
                    index += 1
                }
            }
            throw Unsupported()
        }

        mutating func string() throws -> String {
            let (range, escaped) = try stringRange()
            let raw = UnsafeBufferPointer(rebasing: bytes[range])
            guard escaped else {
                guard let text = String(validating: raw, as: UTF8.self) else { throw Unsupported() }
                return text
            }
            return try Cursor.unescape(raw)
        }

        static func unescape(_ raw: UnsafeBufferPointer<UInt8>) throws -> String {
            var out: [UInt8] = []
            out.reserveCapacity(raw.count)
            var index = 0
            func hex4(_ at: Int) throws -> UInt32 {
                guard at + 4 <= raw.count else { throw Unsupported() }
                var value: UInt32 = 0
                for byte in raw[at..<(at + 4)] {
                    let digit: UInt8
                    switch byte {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                    case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                    case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                    default: throw Unsupported()
                    }
                    value = value << 4 | UInt32(digit)
                }
                return value
            }
            while index < raw.count {
                let byte = raw[index]
                guard byte == UInt8(ascii: "\\") else {
                    out.append(byte)
                    index += 1
                    continue
                }
                guard index + 1 < raw.count else { throw Unsupported() }
                let escape = raw[index + 1]
                index += 2
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4(index)
                    index += 4
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard index + 6 <= raw.count, raw[index] == UInt8(ascii: "\\"),
                            raw[index + 1] == UInt8(ascii: "u")
                        else { throw Unsupported() }
                        let low = try hex4(index + 2)
                        guard (0xDC00..<0xE000).contains(low) else { throw Unsupported() }
                        index += 6
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw Unsupported() }
                    out.append(contentsOf: String(Character(unicode)).utf8)
                default: throw Unsupported()
                }
            }
            guard let text = String(validating: out, as: UTF8.self) else { throw Unsupported() }
            return text
        }

        /// A JSON number's bytes, checked against the grammar; `integral` when it has no fraction or exponent.
        mutating func numberRange() throws -> (range: Range<Int>, integral: Bool) {
            skipWhitespace()
            let start = index
            var integral = true
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            func digits(_ cursor: inout Cursor) -> Int {
                let begin = cursor.index
                while cursor.index < cursor.bytes.count,
                    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(cursor.bytes[cursor.index])
                {
                    cursor.index += 1
                }
                return cursor.index - begin
            }
            let whole = index
            let wholeDigits = digits(&self)
            guard wholeDigits > 0, !(wholeDigits > 1 && bytes[whole] == UInt8(ascii: "0")) else { throw Unsupported() }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                integral = false
                index += 1
                guard digits(&self) > 0 else { throw Unsupported() }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                integral = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard digits(&self) > 0 else { throw Unsupported() }
            }
            return (start..<index, integral)
        }

        mutating func optionalString() throws -> String? {
            if try null() { return nil }
            guard peek() == UInt8(ascii: "\"") else { throw Unsupported() }
            return try string()
        }

        mutating func optionalBool() throws -> Bool? {
            switch peek() {
            case UInt8(ascii: "n"):
                try literal("null")
                return nil
            case UInt8(ascii: "t"):
                try literal("true")
                return true
            case UInt8(ascii: "f"):
                try literal("false")
                return false
            default: throw Unsupported()
            }
        }

        mutating func optionalDouble() throws -> Double? {
            if try null() { return nil }
            let (range, _) = try numberRange()
            guard let text = String(validating: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self),
                let value = Double(text), value.isFinite
            else { throw Unsupported() }
            return value
        }

        mutating func optionalInteger() throws -> Int64? {
            if try null() { return nil }
            let (range, integral) = try numberRange()
            guard integral, range.count <= 18 else { throw Unsupported() }
            var value: Int64 = 0
            var negative = false
            for byte in bytes[range] {
                if byte == UInt8(ascii: "-") {
                    negative = true
                    continue
                }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return negative ? -value : value
        }
    }
}
