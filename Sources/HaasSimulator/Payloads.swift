import Foundation

/// Builds response bodies in the shapes of the real payloads in `shared/fixtures/haas/api/`.
enum Payloads {
    static func envelope(_ data: (inout JSONWriter) -> Void) -> [UInt8] {
        var writer = JSONWriter(capacity: 16_384)
        writer.object { out in
            out.field("Success", true)
            out.field("Error", "")
            out.key("Data")
            data(&out)
        }
        return writer.bytes
    }

    static func failure(_ message: String) -> [UInt8] {
        var writer = JSONWriter()
        writer.object { out in
            out.field("Success", false)
            out.field("Error", message)
            out.key("Data")
            out.null()
        }
        return writer.bytes
    }

    /// A lab record (`GET_LABS` item); `details` adds `P`, `C` and `ST` as `GET_LAB_DETAILS` does.
    static func lab(
        _ lab: SimulatedWorld.Lab, userID: String, status: Int, completed: Int, details: Bool,
        into out: inout JSONWriter
    ) {
        out.object { out in
            out.field("UID", userID)
            out.field("LID", lab.id)
            out.field("SID", lab.scriptID)
            out.field("N", lab.name)
            out.field("T", int: 1)
            out.field("S", int: Int64(status))
            out.field("SB", int: Int64(lab.backtests.count))
            out.field("CB", int: Int64(completed))
            out.field("CA", int: SimulatedResult.baseStart - 864_000)
            out.field("UA", int: SimulatedResult.baseStart - 86_400)
            out.field("SA", int: SimulatedResult.baseStart - 3_600)
            out.field("RS", int: status == 2 ? SimulatedResult.baseStart - 3_600 : 0)
            out.field("SU", int: SimulatedResult.baseStart - Int64(lab.index) * 604_800)
            out.field("EU", int: SimulatedResult.baseStart - Int64(lab.index) * 604_800 + 60 * 86_400)
            out.field("SE", int: 0)
            out.key("CM")
            out.null()
            guard details else { return }
            out.key("P")
            out.array { out in
                for (key, options) in parameters(lab) {
                    out.object { out in
                        out.field("K", key)
                        out.field("T", int: 0)
                        out.key("O")
                        out.array { out in for option in options { out.string(option) } }
                        out.field("I", true)
                        out.field("IS", false)
                    }
                }
            }
            out.key("C")
            out.object { out in
                out.field("MP", int: Int64(SimulatedWorld.populationSize))
                out.field(
                    "MG",
                    int: Int64(
                        (lab.backtests.count + SimulatedWorld.populationSize - 1) / SimulatedWorld.populationSize))
                out.field("ME", int: 3)
                out.field("MR", 40.0)
                out.field("AR", 25.0)
            }
            out.key("ST")
            settings(lab, into: &out)
        }
    }

    static func parameters(_ lab: SimulatedWorld.Lab) -> [(String, [String])] {
        [
            ("3-3-17-22.Trade amount by margin", ["930"]), ("11-11-14-32.BBands Length", ["10", "14", "20", "26"]),
            ("c0dAygS1FsbhXR0pv6XP8.Stop Loss", ["1", "1.5", "2", "3"]),
            ("14-14-18-20.ADX Threshold", ["20", "25", "30"]),
        ]
    }

    /// The value each parameter takes in one backtest (the options cycle with the backtest's index).
    static func parameterValues(lab: SimulatedWorld.Lab, backtest: SimulatedWorld.Backtest) -> [(String, String)] {
        parameters(lab).enumerated().map { offset, parameter in
            (parameter.0, parameter.1[(backtest.index + offset) % parameter.1.count])
        }
    }

    static func settings(_ lab: SimulatedWorld.Lab, into out: inout JSONWriter) {
        out.object { out in
            out.field("botId", "")
            out.field("botName", "")
            out.field("accountId", lab.accountID)
            out.field("marketTag", lab.market)
            out.field("leverage", lab.leverage)
            out.field("positionMode", int: lab.leverage > 1 ? 1 : 0)
            out.field("marginMode", int: 0)
            out.field("interval", int: 15)
            out.field("chartStyle", int: 300)
            out.field("tradeAmount", 930.0)
            out.field("orderTemplate", int: 500)
            out.key("scriptParameters")
            out.object { _ in }
        }
    }

    /// A result-page record. Even labs spell the summary with short keys and odd labs with long names, as
    /// the reference found both on the wire.
    static func resultRecord(
        world: SimulatedWorld, lab: SimulatedWorld.Lab, backtest: SimulatedWorld.Backtest,
        userID: String, into out: inout JSONWriter
    ) {
        let result = SimulatedResult(world: world, lab: lab, backtest: backtest)
        out.object { out in
            out.field("RID", int: Int64(lab.index * 100_000 + backtest.index + 1))
            out.field("UID", userID)
            out.field("LID", lab.id)
            out.field("BID", backtest.id)
            out.field("NG", int: Int64(backtest.generation))
            out.field("NP", int: Int64(backtest.population))
            out.field("ST", int: 3)
            out.key("SE")
            settings(lab, into: &out)
            out.key("P")
            out.object { out in
                for (name, value) in parameterValues(lab: lab, backtest: backtest) { out.field(name, value) }
            }
            resultTail(result, short: lab.index % 2 == 0, into: &out)
        }
    }

    /// A result record's members after its parameters: no runtime or chart (`RT`, `C`), no log (`L`), and the
    /// summary `S` with short keys or long names.
    static func resultTail(_ result: SimulatedResult, short: Bool, into out: inout JSONWriter) {
        out.key("RT")
        out.null()
        out.key("C")
        out.null()
        out.key("L")
        out.array { _ in }
        out.key("S")
        out.object { out in
            out.field(short ? "O" : "Orders", int: Int64(result.positions.count * 2))
            out.field(short ? "T" : "Trades", int: Int64(result.positions.count))
            out.field(short ? "P" : "Positions", int: Int64(result.positions.count))
            out.key(short ? "FC" : "FeeCosts")
            out.object { $0.field("USDT", result.totalFees) }
            out.key(short ? "RP" : "RealizedProfits")
            out.object { $0.field("USDT", result.realizedProfits) }
            out.key(short ? "ROI" : "ReturnOnInvestment")
            out.array { $0.number(result.roi) }
        }
    }
}
