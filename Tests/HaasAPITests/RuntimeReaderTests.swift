import Foundation
import HaasAPI
import HaasSimulator
import Testing

/// The fast runtime reader must agree with `JSONDecoder` wherever it answers, and step aside elsewhere.
@Suite struct RuntimeReaderTests {
    private struct Envelope: Decodable {
        let Data: BacktestRuntime
    }

    /// What `JSONDecoder` makes of a body: the envelope's `Data` when it has one, else the bare runtime.
    func decoded(_ bytes: [UInt8]) throws -> BacktestRuntime {
        if let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(bytes)) { return envelope.Data }
        return try JSONDecoder().decode(BacktestRuntime.self, from: Data(bytes))
    }

    @Test func agreesWithJSONDecoderOnRealAndSimulatedRuntimes() throws {
        var bodies: [[UInt8]] = []
        for name in ["api/get_backtest_runtime_response.json", "api/runtime_sample.json"] {
            if let data = try Fixtures.data(name) { bodies.append(Array(data)) }
        }
        let world = SimulatedWorld(configuration: SimulatorConfiguration(seed: 5, labs: 5, backtestsPerLab: 20))
        let writer = PyHaasCacheWriter(world: world)
        for lab in world.labs {
            for backtest in lab.backtests {
                bodies.append(world.runtimeBody(lab: lab, backtest: backtest))
                bodies.append(writer.runtimeData(lab: lab, backtest: backtest))
            }
        }
        for body in bodies {
            let fast = try #require(RuntimeReader.read(body))
            #expect(fast.runtime == (try decoded(body)))
            #expect(fast.hasReports)
        }
    }

    @Test func readsEscapesNullsAndTheEnvelope() throws {
        let body = #"""
            {"Success":true,"Error":"","Data":{"BotId":"b\u00e9\"1\ud83d\ude00","Leverage":null,"ActivatedSince":-5,
             "Reports":{"A_M":{"M":"M","PR":{"RM":1e2,"ROI":-0.5,"SP":null},"P":{"C":3},"X":[1,{"y":[true,false,null]}]}},
             "FinishedPositions":[{"d":1,"ot":10,"ct":20,"ic":true,"rp":1.25,"eno":[{"af":2,"ep":3.5}],"exo":null}],
             "Other":{"deep":[[[]]]}}}
            """#
        let bytes = Array(body.utf8)
        let fast = try #require(RuntimeReader.read(bytes))
        #expect(fast.runtime == (try decoded(bytes)))
        #expect(fast.runtime.botID == "bé\"1😀")
        #expect(fast.runtime.reports["A_M"]?.profits?.roiMargin == 100)
    }

    @Test func stepsAsideWhereJSONDecoderDecidesOrFails() throws {
        for body in [
            #"{"BotId":"a","BotId":"b"}"#,  // duplicate key
            #"{"ActivatedSince":1.0}"#,  // integer written with a fraction
            #"{"Leverage":"20"}"#,  // wrong type
            #"{"BotId":"\ud800"}"#,  // lone surrogate
            #"{"Reports":{}} trailing"#,  // trailing garbage
            #"{"Reports":{"x":{"PR":{"RM":01}}}}"#,  // not JSON
            #"{"Reports":"#,  // truncated
        ] {
            #expect(RuntimeReader.read(Array(body.utf8)) == nil, "\(body)")
        }
        // A document without Reports is read, and says so.
        let plain = try #require(RuntimeReader.read(Array(#"{"BotId":"x"}"#.utf8)))
        #expect(!plain.hasReports)
    }
}
