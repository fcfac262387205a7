import Platform

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
        /// Where the one deliberate mistake is, for the script that does not compile.
        public let compileError: (line: Int, column: Int, message: String)?
        /// The `Input(...)` declarations of the source, in order.
        public let inputs: [Input]
    }

    /// A script input: its name (the key backtests set it by), default and the range it makes sense in.
    public struct Input: Sendable, Equatable {
        public let name: String
        public let defaultValue: Double
        public let minimum: Double
        public let maximum: Double
        public let step: Double
        /// Whole numbers only (a period), as opposed to a real number (a percentage).
        public var isInteger: Bool { step == step.rounded() && defaultValue == defaultValue.rounded() }
    }

    /// Every lab's script, then one draft that does not compile (a misspelt function at a known place).
    public var scripts: [Script] {
        labScripts + [brokenScript]
    }

    /// A draft whose third line calls `ClosePrice` (the function is `ClosePrices`).
    public var brokenScript: Script {
        var random = SplitMix64(configuration.seed, 12)
        let source = """
            -- Breakout Draft
            local period = Input('Period', 20)
            local highs = HighestHigh(ClosePrice(), period)
            if CurrentPrice().close > highs then DoLong() end

            """
        return Script(
            id: random.uuid(), name: "Breakout Draft", source: source, createdAt: SimulatedResult.baseStart - 86_400,
            updatedAt: SimulatedResult.baseStart - 3_600,
            compileError: (3, 27, "unknown function 'ClosePrice'"),
            inputs: [Input(name: "Period", defaultValue: 20, minimum: 5, maximum: 60, step: 1)])
    }

    private var labScripts: [Script] {
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
                updatedAt: created + 3_600, compileError: nil,
                inputs: [
                    Input(name: "Period", defaultValue: Double(period), minimum: 5, maximum: 60, step: 1),
                    Input(name: "Stop Loss", defaultValue: stopLoss, minimum: 0.5, maximum: 6, step: 0.1),
                ])
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
            out.field("IC", script.compileError == nil)
            out.field("IV", script.compileError == nil)
            out.field("CU", int: script.createdAt)
            out.field("UU", int: script.updatedAt)
            out.field("FID", int: 0)
            if record {
                out.field("SC", script.source)
                out.key("CR")
                out.object { out in
                    out.field("IV", script.compileError == nil)
                    out.field("C", script.compileError == nil)
                    out.field("CL", int: 0)
                    // The inputs' wire shape is unverified (haas-api.md §2.4 lists `I` without fields): these
                    // are the simulator's names.
                    out.key("I")
                    out.array { out in
                        for input in script.inputs {
                            out.object { out in
                                out.field("K", input.name)
                                out.field("N", input.name)
                                out.field("T", int: input.isInteger ? 0 : 1)
                                out.field("D", input.defaultValue)
                                out.field("MIN", input.minimum)
                                out.field("MAX", input.maximum)
                                out.field("ST", input.step)
                            }
                        }
                    }
                }
            } else {
                out.key("D")
                out.array { _ in }
            }
        }
    }
}

extension Payloads {
    /// `EXECUTE_DEBUGTEST`: the debug run's log lines (haas-api.md §2.3: "Data list of log strings"). A script
    /// that does not compile logs `Compile error (line L, column C): message` and stops there. The real server's
    /// wording is unverified; this is the simulator's.
    static func debugLog(_ script: SimulatedWorld.Script) -> [String] {
        if let error = script.compileError {
            return [
                "Compiling \(script.name)…",
                "Compile error (line \(error.line), column \(error.column)): \(error.message)",
            ]
        }
        return [
            "Compiling \(script.name)…", "Compiled.", "Debug run: 1 bar executed, 0 orders.", "Debug run finished.",
        ]
    }
}
