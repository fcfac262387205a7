import JSON

/// The nested parts of a runtime — account reports, positions, orders — read member by member with
/// `JSONScanner`. A member read twice is refused: the canonical form of the body would be ambiguous.
enum RuntimeReportDecoding {
    /// A report's members the ledger reads, and the fields of each section; everything else is skipped.
    private static let sectionKeys: [StaticString] = ["M", "PL", "F", "PR", "P", "T"]
    private static let sectionFields: [[StaticString]] = [
        [], [], ["TFC", "FC"], ["SP", "SB", "PC", "GP", "RP", "UP", "ROI", "RM"], ["C", "W"],
        ["SHR", "SOR", "WP", "PF", "MaxDrawDown"],
    ]

    /// The place of `name` among `keys`, by length and bytes (reports are read once per runtime: a short
    /// linear search, no hashing).
    private static func place(of name: JSONName, in keys: [StaticString]) -> Int? {
        keys.firstIndex { name == $0 }
    }

    static func report(_ scanner: inout JSONScanner, _ path: inout FieldPath) throws(JSONParseError) -> RuntimeReport {
        var seen: UInt32 = 0
        var market: String?, label: String?
        var fees: RuntimeReport.Fees?, profits: RuntimeReport.Profits?
        var positions: RuntimeReport.Positions?, performance: RuntimeReport.Performance?
        try scanner.objectMembers { name, scanner throws(JSONParseError) in
            guard let section = place(of: name, in: sectionKeys) else { return try scanner.skipValue() }
            guard seen & (1 << section) == 0 else { throw scanner.error("duplicate member name \"\(name.string)\"") }
            seen |= 1 << section
            path.push(.key(sectionKeys[section]))
            if section < 2 {
                let text = try scanner.optionalString()
                if section == 0 { market = text } else { label = text }
                return path.pop()
            }
            if try scanner.null() { return path.pop() }
            let fields = sectionFields[section]
            var read: UInt32 = 0
            var values = [Double?](repeating: nil, count: fields.count)
            var integers = [Int64?](repeating: nil, count: fields.count)
            try scanner.objectMembers { name, scanner throws(JSONParseError) in
                guard let field = place(of: name, in: fields) else { return try scanner.skipValue() }
                guard read & (1 << field) == 0 else { throw scanner.error("duplicate member name \"\(name.string)\"") }
                read |= 1 << field
                path.push(.key(fields[field]))
                if section == 4 {
                    integers[field] = try scanner.optionalInt64()
                } else {
                    values[field] = try scanner.optionalDouble()
                }
                path.pop()
            }
            func integer(_ field: Int) -> Int? { integers[field].map { Int($0) } }
            switch section {
            case 2: fees = RuntimeReport.Fees(totalFeeCosts: values[0], feeCosts: values[1])
            case 3:
                profits = RuntimeReport.Profits(
                    startPrice: values[0], startBalance: values[1], priceChange: values[2], grossProfits: values[3],
                    realizedProfits: values[4], unrealizedProfits: values[5], returnOnInvestment: values[6],
                    roiMargin: values[7])
            case 4: positions = RuntimeReport.Positions(closed: integer(0), winning: integer(1))
            default:
                performance = RuntimeReport.Performance(
                    sharpe: values[0], sortino: values[1], winPercentage: values[2], profitFactor: values[3],
                    maxDrawDown: values[4])
            }
            path.pop()
        }
        return RuntimeReport(
            market: market, profitLabel: label, fees: fees, profits: profits, positions: positions,
            performance: performance)
    }

    private static let positionKeys: [StaticString] = [
        "g", "d", "ot", "ct", "ic", "ap", "fe", "rp", "up", "roi", "eno", "exo",
    ]
    private static let orderKeys: [StaticString] = ["d", "ep", "af", "fe", "m", "pr", "ct"]
    // Positions and orders are most of a runtime: their names are matched as packed integers.
    private static let positionTable = positionKeys.map(JSONName.packed)
    private static let orderTable = orderKeys.map(JSONName.packed)

    static func position(_ scanner: inout JSONScanner, _ path: inout FieldPath) throws(JSONParseError)
        -> RuntimePosition
    {
        var seen: UInt32 = 0
        var id: String?, direction: Int64?, opened: Int64?, closed: Int64?, isClosed: Bool?
        var average: Double?, fees: Double?, realized: Double?, unrealized: Double?, roi: Double?
        var entries: [RuntimeOrder] = [], exits: [RuntimeOrder] = []
        let table = positionTable  // once per position, not once per member (each read checks a lazy global)
        try scanner.objectMembers { name, scanner throws(JSONParseError) in
            guard let packed = name.packed, let bit = table.firstIndex(of: packed) else {
                return try scanner.skipValue()
            }
            guard seen & (1 << bit) == 0 else { throw scanner.error("duplicate member name \"\(name.string)\"") }
            seen |= 1 << bit
            // Hot: the path is recorded only when a member fails, on the way out.
            do throws(JSONParseError) {
                switch bit {
                case 0: id = try scanner.optionalString()
                case 1: direction = try scanner.optionalInt64()
                case 2: opened = try scanner.optionalInt64()
                case 3: closed = try scanner.optionalInt64()
                case 4: isClosed = try scanner.optionalBool()
                case 5: average = try scanner.optionalDouble()
                case 6: fees = try scanner.optionalDouble()
                case 7: realized = try scanner.optionalDouble()
                case 8: unrealized = try scanner.optionalDouble()
                case 9: roi = try scanner.optionalDouble()
                default:
                    var orders: [RuntimeOrder] = []
                    if try !scanner.null() {
                        try scanner.array { scanner throws(JSONParseError) in
                            do throws(JSONParseError) {
                                orders.append(try order(&scanner, &path))
                            } catch {
                                path.unwind(.index(orders.count))
                                throw error
                            }
                        }
                    }
                    if bit == 10 { entries = orders } else { exits = orders }
                }
            } catch {
                path.unwind(.key(positionKeys[bit]))
                throw error
            }
        }
        return RuntimePosition(
            positionID: id, direction: direction.map(Int.init), openedAt: opened, closedAt: closed,
            isClosed: isClosed, averagePrice: average, fees: fees, realizedProfit: realized,
            unrealizedProfit: unrealized, roi: roi, entryOrders: entries, exitOrders: exits)
    }

    private static func order(_ scanner: inout JSONScanner, _ path: inout FieldPath) throws(JSONParseError)
        -> RuntimeOrder
    {
        var seen: UInt32 = 0
        var direction: Int64?, completed: Int64?
        var price: Double?, amount: Double?, fee: Double?, margin: Double?, profit: Double?
        let table = orderTable  // once per order, not once per member
        try scanner.objectMembers { name, scanner throws(JSONParseError) in
            guard let packed = name.packed, let bit = table.firstIndex(of: packed) else {
                return try scanner.skipValue()
            }
            guard seen & (1 << bit) == 0 else { throw scanner.error("duplicate member name \"\(name.string)\"") }
            seen |= 1 << bit
            do throws(JSONParseError) {
                switch bit {
                case 0: direction = try scanner.optionalInt64()
                case 1: price = try scanner.optionalDouble()
                case 2: amount = try scanner.optionalDouble()
                case 3: fee = try scanner.optionalDouble()
                case 4: margin = try scanner.optionalDouble()
                case 5: profit = try scanner.optionalDouble()
                default: completed = try scanner.optionalInt64()
                }
            } catch {
                path.unwind(.key(orderKeys[bit]))
                throw error
            }
        }
        return RuntimeOrder(
            direction: direction.map(Int.init), executionPrice: price, amountFilled: amount, fee: fee, margin: margin,
            grossProfit: profit, completedAt: completed)
    }
}
