import EventLogTesting
import Foundation
import HaasAPI
import HaasSimulator
import JSON
import Testing

/// The runtime decoder must agree with `JSONDecoder` (the reference for what a `Decodable` runtime is) on every
/// valid body, and refuse what is not JSON or not a runtime, naming the member.
@Suite struct RuntimeDecoderTests {
    private struct Envelope: Decodable {
        let Data: BacktestRuntime
    }

    /// What `JSONDecoder` makes of a body: the envelope's `Data` when it has one, else the bare runtime.
    func decoded(_ bytes: [UInt8]) throws -> BacktestRuntime {
        if let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(bytes)) { return envelope.Data }
        return try JSONDecoder().decode(BacktestRuntime.self, from: Data(bytes))
    }

    func agrees(_ bodies: [[UInt8]]) throws {
        for body in bodies {
            let document = try RuntimeDecoder.decode(body)
            #expect(document.runtime == (try decoded(body)))
            #expect(document.hasReports)
        }
    }

    @Test func agreesWithJSONDecoderOnSimulatedRuntimes() throws {
        var bodies: [[UInt8]] = []
        let world = SimulatedWorld(configuration: SimulatorConfiguration(seed: 5, labs: 5, backtestsPerLab: 20))
        let writer = PyHaasCacheWriter(world: world)
        for lab in world.labs {
            for backtest in lab.backtests {
                bodies.append(world.runtimeBody(lab: lab, backtest: backtest))
                bodies.append(writer.runtimeData(lab: lab, backtest: backtest))
            }
        }
        try agrees(bodies)
    }

    @Test(.needsHaasFixtures) func agreesWithJSONDecoderOnRealRuntimes() throws {
        try agrees([
            try SharedFixtures.bytes("api/get_backtest_runtime_response.json"),
            try SharedFixtures.bytes("api/runtime_sample.json"),
        ])
    }

    @Test func readsEscapesNullsAndTheEnvelope() throws {
        let body = #"""
            {"Success":true,"Error":"","Data":{"BotId":"b\u00e9\"1\ud83d\ude00","Leverage":null,"ActivatedSince":-5,
             "Reports":{"A_M":{"M":"M","PR":{"RM":1e2,"ROI":-0.5,"SP":null},"P":{"C":3},"X":[1,{"y":[true,false,null]}]}},
             "FinishedPositions":[{"d":1,"ot":10,"ct":20,"ic":true,"rp":1.25,"eno":[{"af":2,"ep":3.5}],"exo":null}],
             "Other":{"deep":[[[]]]}}}
            """#
        let bytes = Array(body.utf8)
        let document = try RuntimeDecoder.decode(bytes)
        let runtime = try #require(document.runtime)
        #expect(document.success == true)
        #expect(runtime == (try decoded(bytes)))
        #expect(runtime.botID == "bé\"1😀")
        #expect(runtime.reports["A_M"]?.profits?.roiMargin == 100)
    }

    @Test func refusesWhatIsNotARuntimeNamingTheMember() throws {
        let cases: [(body: String, path: String)] = [
            (#"{"BotId":"a","BotId":"b"}"#, ""),  // duplicate key
            (#"{"ActivatedSince":1.5}"#, "ActivatedSince"),  // an integer field with a fraction
            (#"{"Leverage":"20"}"#, "Leverage"),  // wrong type
            (#"{"BotId":"\ud800"}"#, "BotId"),  // lone surrogate
            (#"{"Reports":{}} trailing"#, ""),  // trailing garbage
            (#"{"Reports":{"x":{"PR":{"RM":01}}}}"#, "Reports.x.PR.RM"),  // not JSON
            (#"{"Reports":"#, "Reports"),  // truncated
            (#"{"Data":{"FinishedPositions":[{"d":0},{"rp":"x"}]}}"#, "Data.FinishedPositions[1].rp"),
        ]
        for (body, path) in cases {
            #expect(throws: RuntimeDecodingError.self, "\(body)") { try RuntimeDecoder.decode(Array(body.utf8)) }
            do {
                _ = try RuntimeDecoder.decode(Array(body.utf8))
            } catch {
                #expect(error.path == path, "\(body): \(error)")
            }
        }
        // Whole numbers written as floats are read for their value, as JSONDecoder reads them.
        let floats = try RuntimeDecoder.decode(Array(#"{"ActivatedSince":1.0,"LastUpdateTimestamp":1.7e9}"#.utf8))
        #expect(floats.runtime?.activatedSince == 1)
        #expect(floats.runtime?.lastUpdateTimestamp == 1_700_000_000)
        // A document without Reports is read, and says so.
        let plain = try RuntimeDecoder.decode(Array(#"{"BotId":"x"}"#.utf8))
        #expect(!plain.hasReports)
    }
}
