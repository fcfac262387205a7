// The fuzz targets' driver, one binary for all of them: HAASLEDGER_FUZZ_TARGET names the one to run, and the
// arguments go to libFuzzer. `tools/fuzz` builds it with coverage instrumentation, AddressSanitizer and libFuzzer's
// no-main runtime (`swift build --sanitize=fuzzer` would make every executable in the build, the migrations
// plugin's tool included, a fuzzer), then runs each target on its seed corpus in Tests/Fuzz/corpus/<target>.
import CFuzzerDriver
import Foundation

let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
let name = ProcessInfo.processInfo.environment["HAASLEDGER_FUZZ_TARGET"] ?? ""
guard let target = FuzzTarget(rawValue: name) else {
    FileHandle.standardError.write(Data("haasledger-fuzz: set HAASLEDGER_FUZZ_TARGET to one of: \(names)\n".utf8))
    exit(2)
}
/// The target libFuzzer's C callback reaches (it can capture nothing).
let chosen = target
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
let status = haasledger_run_fuzzer(&argc, &argv) { data, size in
    chosen.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
guard status == -1 else { exit(status) }
// Without libFuzzer, the files (or folders of files) named are run once each: the test suite runs the seed corpus
// and every crash tools/fuzz ever found (Tests/Fuzz/regressions) this way, without sanitizers.
let inputs = CommandLine.arguments.dropFirst().flatMap { path -> [String] in
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [path] }
    return names.sorted().map { path + "/" + $0 }
}
guard !inputs.isEmpty else {
    FileHandle.standardError.write(
        Data("haasledger-fuzz: this build has no libFuzzer (run tools/fuzz); name input files to run them once\n".utf8))
    exit(2)
}
for input in inputs {
    guard let bytes = FileManager.default.contents(atPath: input) else {
        FileHandle.standardError.write(Data("haasledger-fuzz: cannot read \(input)\n".utf8))
        exit(2)
    }
    chosen.run(Array(bytes))
}
FuzzTarget.removeScratch()
print("\(name): ran \(inputs.count) inputs")
