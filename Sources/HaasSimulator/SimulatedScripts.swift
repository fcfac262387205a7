/// The scripts a simulated server holds: one per lab (the script its backtests ran), each a small HaasScript
/// whose source derives from the seed, so a script's version (the SHA-256 of its source) is stable per seed.
extension SimulatedWorld {
    public struct Script: Sendable {
        public let id: String
        public let name: String
        public let source: String
        /// Unix seconds.
        public let createdAt: Int64
        public let updatedAt: Int64
    }

    public var scripts: [Script] {
        labs.map { lab in
            var random = SplitMix64(configuration.seed, 11, UInt64(lab.index))
            let period = 8 + Int(random.next() % 20)
            let stopLoss = 1 + Double(random.next() % 40) / 10
            let source = """
                -- \(lab.scriptName)
                local period = Input('Period', \(period))
                local stopLoss = Input('Stop Loss', \(stopLoss))
                local signal = RSI(ClosePrices(), period)
                if signal < 30 then DoLong() elseif signal > 70 then DoShort() end
                StopLoss(stopLoss)

                """
            let created = SimulatedResult.baseStart - 86_400 * Int64(30 + lab.index)
            return Script(
                id: lab.scriptID, name: lab.scriptName, source: source, createdAt: created,
                updatedAt: created + 3_600)
        }
    }

    public func script(id: String) -> Script? { scripts.first { $0.id == id } }
}

extension Payloads {
    /// A script item (`GET_ALL_SCRIPT_ITEMS`) or, with `record`, a script record with source and compile result.
    static func script(_ script: SimulatedWorld.Script, userID: String, record: Bool, into out: inout JSONWriter) {
        out.object { out in
            out.field("UID", userID)
            out.field("SID", script.id)
            out.field("SN", script.name)
            out.field("SD", "")
            out.field("ST", int: 0)
            out.field("SS", int: 0)
            out.field("CN", "Simulated")
            out.field("IC", true)
            out.field("IV", true)
            out.field("CU", int: script.createdAt)
            out.field("UU", int: script.updatedAt)
            out.field("FID", int: 0)
            if record {
                out.field("SC", script.source)
                out.key("CR")
                out.object { out in
                    out.field("IV", true)
                    out.field("C", true)
                    out.field("CL", int: 0)
                }
            } else {
                out.key("D")
                out.array { _ in }
            }
        }
    }
}
