// The crash drill behind `tools/crash N` (and, with a few rounds, the test suite's): SIGKILLs haasledger
// during fetch, import, rebuild, `backtest run` and `lab run` against the in-process simulator, then checks the
// log, the re-run and the rebuild. Exit 0 when every round held, 1 at the first check that did not, 2 on a usage
// error.
import EventLogTesting
import Foundation
import HaasSimulator

let usage = "usage: haasledger-crash [--rounds N] [--seed S] [--work DIR] [--only fetch,import,rebuild,backtest,lab]"
var rounds = 10
var seed: UInt64 = 1
var workFolder: String?
var scenarios = DrillScenario.allCases
var rest = CommandLine.arguments.dropFirst()
while let flag = rest.popFirst() {
    guard let value = rest.popFirst() else {
        FileHandle.standardError.write(Data("haasledger-crash: \(flag) needs a value\n\(usage)\n".utf8))
        exit(2)
    }
    switch flag {
    case "--rounds" where Int(value).map({ $0 > 0 }) == true: rounds = Int(value)!
    case "--seed" where UInt64(value) != nil: seed = UInt64(value)!
    case "--work": workFolder = value
    case "--only" where value.split(separator: ",").allSatisfy({ DrillScenario(rawValue: String($0)) != nil }):
        scenarios = value.split(separator: ",").compactMap { DrillScenario(rawValue: String($0)) }
    default:
        FileHandle.standardError.write(Data("haasledger-crash: bad \(flag) \(value)\n\(usage)\n".utf8))
        exit(2)
    }
}

/// Lines go out at once: a drill interrupted by its caller still shows the rounds it finished.
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

let scratch = try TemporaryDirectory(prefix: "haasledger-crash")
let work = workFolder ?? scratch.path
try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
let configuration = SimulatorConfiguration(seed: seed, labs: 2, backtestsPerLab: 30, pollsToComplete: 3)
let failed = try await SimulatorServer.withRunning(configuration) { server -> Bool in
    let drill = CrashDrill(
        work: work, server: server, executable: ChildProcess.executable("haasledger"), seed: seed)
    do {
        try drill.prepare()
        for number in 1...rounds {
            let scenario = scenarios[(number - 1) % scenarios.count]
            say("round \(number) \(scenario.rawValue): " + (try await drill.round(number, scenario)))
        }
        say("\(rounds) rounds held (seed \(seed))")
        return false
    } catch {
        say("FAILED (seed \(seed), work \(work)): \(error)")
        return true
    }
}
// A failed drill keeps its ledgers for a look; exit skips the folder's cleanup on purpose.
if !failed && workFolder == nil { try? FileManager.default.removeItem(atPath: scratch.path) }
exit(failed ? 1 : 0)
