import Foundation

/// The `GET_BACKTEST_RUNTIME` body: the runtime with its report, finished positions and their orders.
extension Payloads {
    /// `GET_BACKTEST_RUNTIME` Data, with the top-level keys, report sections and position/order fields of
    /// the real sample.
    static func runtime(
        world: SimulatedWorld, lab: SimulatedWorld.Lab, backtest: SimulatedWorld.Backtest,
        userID: String, into out: inout JSONWriter
    ) {
        let subject = RuntimeSubject(
            backtestID: backtest.id, botName: "\(lab.name) #\(backtest.index + 1)", scriptID: lab.scriptID,
            scriptName: lab.scriptName, accountID: lab.accountID, market: lab.market, leverage: lab.leverage,
            positionMode: lab.leverage > 1 ? 1 : 0, tradeAmount: 930, interval: 15,
            inputs: parameters(lab).map { key, options in
                (key, String(key.split(separator: ".").last ?? ""), options[backtest.index % options.count], options[0])
            })
        runtime(
            subject, result: SimulatedResult(world: world, lab: lab, backtest: backtest), userID: userID, into: &out)
    }

    /// What a runtime body says about the run besides its trades.
    struct RuntimeSubject {
        let backtestID: String
        let botName: String
        let scriptID: String
        let scriptName: String
        let accountID: String
        let market: String
        let leverage: Double
        let positionMode: Int
        let tradeAmount: Double
        let interval: Int
        /// Key, name, value and default of each input, as sent.
        let inputs: [(key: String, name: String, value: String, defaultValue: String)]
    }

    static func runtime(_ subject: RuntimeSubject, result: SimulatedResult, userID: String, into out: inout JSONWriter)
    {
        let positions = result.positions
        let label = subject.market.contains("USDC") ? "USDC" : subject.market.contains("_USD_") ? "USD" : "USDT"
        let base = String(subject.market.split(separator: "_")[1])
        out.object { out in
            out.key("Chart")
            out.object { out in
                out.field("Guid", subject.backtestID)
                out.field("Interval", int: Int64(subject.interval))
                out.key("Charts")
                out.object { _ in }
                out.field("IsLastPartition", true)
                out.field("Status", int: 1)
            }
            out.key("CompilerErrors")
            out.array { _ in }
            out.key("Reports")
            out.object { out in
                out.key("\(subject.accountID)_\(subject.market)")
                report(result, subject: subject, label: label, base: base, into: &out)
            }
            out.key("CustomReport")
            out.object { _ in }
            out.field("ScriptNote", "")
            out.field("TrackedOrderLimit", int: 150)
            out.key("OpenOrders")
            out.array { _ in }
            out.key("FailedOrders")
            out.array { _ in }
            out.key("ManagedLongPosition")
            out.null()
            out.key("ManagedShortPosition")
            out.null()
            out.key("UnmanagedPositions")
            out.array { _ in }
            out.key("FinishedPositions")
            out.array { out in
                for position in positions {
                    self.position(position, subject: subject, label: label, base: base, into: &out)
                }
            }
            out.key("InputFields")
            out.object { out in
                for input in subject.inputs {
                    out.key(input.key)
                    out.object { out in
                        out.field("T", int: 0)
                        out.field("K", input.key)
                        out.field("N", input.name)
                        out.field("V", input.value)
                        out.field("D", input.defaultValue)
                    }
                }
            }
            out.key("ScriptMemory")
            out.object { _ in }
            out.key("LocalMemory")
            out.object { _ in }
            out.key("RedisKeys")
            out.array { _ in }
            out.key("Files")
            out.object { _ in }
            out.field("LogId", subject.backtestID)
            out.field("LogCount", int: Int64(positions.count * 3))
            out.key("ExecutionLog")
            out.array { _ in }
            out.field("UserId", userID)
            out.field("BotId", subject.backtestID)
            out.field("BotName", subject.botName)
            out.field("ScriptId", subject.scriptID)
            out.field("ScriptName", subject.scriptName)
            out.field("Activated", false)
            out.field("Paused", false)
            out.field("IsWhiteLabel", false)
            out.field("ActivatedSince", int: result.start)
            out.field("DeactivatedSince", int: 0)
            out.field("DeactivatedReason", "")
            out.field("AccountId", subject.accountID)
            out.field("PriceMarket", subject.market)
            out.field("Leverage", subject.leverage)
            out.field("MarginMode", int: 0)
            out.field("PositionMode", int: Int64(subject.positionMode))
            out.field("TradeAmount", subject.tradeAmount)
            out.field("OrderTemplate", int: 500)
            out.field("DefaultInterval", int: Int64(subject.interval))
            out.field("DefaultChartType", int: 300)
            out.field("IsScriptOk", true)
            out.field("IsSpotSupported", subject.leverage == 1)
            out.field("IsMarginSupported", false)
            out.field("IsLeverageSupported", subject.leverage > 1)
            out.field("IsManagedTrading", true)
            out.field("UpdateCounter", int: Int64(positions.count * 96))
            out.field("Timestamp", int: result.end)
            out.field("MinuteTimestamp", int: result.end)
            out.field("LastUpdateTimestamp", int: result.end)
        }
    }

    static func report(
        _ result: SimulatedResult, subject: RuntimeSubject, label: String, base: String,
        into out: inout JSONWriter
    ) {
        let positions = result.positions
        let profits = positions.map(\.realizedProfit)
        let wins = profits.filter { $0 > 0 }
        let losses = profits.filter { $0 <= 0 }
        out.object { out in
            out.field("AID", subject.accountID)
            out.field("M", subject.market)
            out.field("AL", base)
            out.field("ML", label)
            out.field("PL", label)
            out.key("F")
            out.object { out in
                out.field("FC", result.totalFees)
                out.field("FR", 0.0)
                out.field("TFC", result.totalFees)
                out.key("FPC")
                out.object { $0.field(label, result.totalFees) }
            }
            out.key("PR")
            out.object { out in
                out.field("SP", result.startPrice)
                out.field("SB", result.startBalance)
                out.field("PC", result.priceChange)
                out.field("BC", 0.0)
                out.field("GP", result.grossProfits)
                out.field("RP", result.realizedProfits)
                out.field("UP", 0.0)
                out.field("ROI", result.roi)
                out.field("RM", result.roiMargin)
                out.field("CRM", 0.0)
                var running = 0.0
                out.key("RPH")
                out.array { out in
                    for profit in profits {
                        running += profit
                        out.number(running)
                    }
                }
                out.key("ROIH")
                out.array { out in for position in positions { out.number(position.roi) } }
            }
            out.key("O")
            out.object { out in
                out.field("F", int: Int64(positions.count * 2))
                out.field("P", int: 0)
                out.field("C", int: 0)
                out.field("R", int: 0)
                out.field("A", int: 0)
                out.field("L", int: positions.last?.closedAt ?? 0)
                out.field("PT", int: Int64(positions.filter { $0.exit.grossProfit > 0 }.count))
                out.field("LT", int: Int64(positions.filter { $0.exit.grossProfit <= 0 }.count))
                out.field("BW", positions.map(\.exit.grossProfit).max() ?? 0)
                out.field("BL", positions.map(\.exit.grossProfit).min() ?? 0)
            }
            out.key("P")
            out.object { out in
                out.field("C", int: Int64(positions.count))
                out.field("W", int: Int64(wins.count))
                out.field("AP", profits.isEmpty ? 0 : profits.reduce(0, +) / Double(profits.count))
                out.field(
                    "APS",
                    positions.isEmpty ? 0 : positions.reduce(0) { $0 + $1.entry.amount } / Double(positions.count))
                out.field(
                    "APM",
                    positions.isEmpty ? 0 : positions.reduce(0) { $0 + $1.entry.margin } / Double(positions.count))
                out.field("TEM", positions.reduce(0) { $0 + $1.entry.margin + $1.exit.margin })
                out.field("AW", wins.isEmpty ? 0 : wins.reduce(0, +) / Double(wins.count))
                out.field("BW", wins.max() ?? 0)
                out.field("TW", wins.reduce(0, +))
                out.field("AL", losses.isEmpty ? 0 : losses.reduce(0, +) / Double(losses.count))
                out.field("BL", losses.min() ?? 0)
                out.field("TL", losses.reduce(0, +))
                out.key("PH")
                out.array { out in for profit in profits { out.number(profit) } }
            }
            let mean = profits.isEmpty ? 0 : profits.reduce(0, +) / Double(profits.count)
            let deviation =
                profits.count < 2
                ? 0 : sqrt(profits.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(profits.count - 1))
            let downside = losses.count < 2 ? 0 : sqrt(losses.reduce(0) { $0 + $1 * $1 } / Double(losses.count))
            out.key("T")
            out.object { out in
                out.field("SHR", deviation == 0 ? 0 : (mean / deviation * 100).rounded() / 100)
                out.field("SOR", downside == 0 ? 0 : (mean / downside * 100).rounded() / 100)
                out.field(
                    "WP", profits.isEmpty ? 0 : (Double(wins.count) / Double(profits.count) * 10_000).rounded() / 100)
                out.field("WLP", 0.0)
                out.field(
                    "PF",
                    losses.reduce(0, +) == 0 ? 0 : (wins.reduce(0, +) / abs(losses.reduce(0, +)) * 100).rounded() / 100)
                out.field("CPC", 0.0)
                out.field("TR", 1.0)
                out.field("CSR", 0.0)
                out.field("OWR", 1.0)
                out.field("OLR", 1.0)
                out.field("PMR", 0.01)
                out.field("BW", wins.max() ?? 0)
                out.field("BL", losses.min() ?? 0)
                out.field("HP", profits.max() ?? 0)
                out.field("LP", profits.min() ?? 0)
                out.field("TM", result.roiMargin)
                out.field("AVM", 0.0)
                out.field("AVP", 0.0)
            }
        }
    }

    static func position(
        _ position: SimulatedResult.Position, subject: RuntimeSubject, label: String, base: String,
        into out: inout JSONWriter
    ) {
        out.object { out in
            out.field("pg", position.guid)
            out.field("g", position.id)
            out.field("ac", subject.accountID)
            out.field("ma", subject.market)
            out.field("le", subject.leverage)
            out.field("d", int: Int64(position.direction))
            out.field("mt", int: subject.leverage > 1 ? 1502 : 1500)
            out.field("pl", label)
            out.field("al", base)
            out.field("pd", int: 3)
            out.field("ad", int: 0)
            out.field("ot", int: position.openedAt)
            out.field("ct", int: position.closedAt)
            out.field("ic", true)
            out.field("ap", position.entry.price)
            out.field("t", 0.0)
            out.field("av", 0.0)
            out.field("io", 0.0)
            out.key("eno")
            out.array { order(position.entry, label: label, into: &$0) }
            out.key("exo")
            out.array { order(position.exit, label: label, into: &$0) }
            out.field("cp", 0.0)
            out.field("fe", position.fees)
            out.field("rp", position.realizedProfit)
            out.field("up", 0.0)
            out.field("roi", position.roi)
            out.field("hpip", 0.0)
            out.field("lpip", 0.0)
        }
    }

    static func order(_ order: SimulatedResult.Order, label: String, into out: inout JSONWriter) {
        out.object { out in
            out.field("paid", "")
            out.field("pa", int: 0)
            out.field("id", order.id)
            out.field("eid", order.id)
            out.field("ot", int: order.time)
            out.field("ct", int: order.time)
            out.field("to", int: 300)
            out.field("d", int: Int64(order.direction))
            out.field("t", int: 501)
            out.field("p", order.price)
            out.field("tp", 0.0)
            out.field("ep", order.price)
            out.field("a", order.amount)
            out.field("af", order.amount)
            out.field("fe", order.fee)
            out.field("fc", label)
            out.field("m", order.margin)
            out.field("pr", order.grossProfit)
            out.field("r", order.roi)
            out.field("cr", int: 0)
            out.field("n", order.note)
        }
    }
}
