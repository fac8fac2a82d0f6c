// The scenario-file fuzz target: parse (and build, and briefly run) the
// input as a scenario file. The harness is PagewaitFuzz.ScenarioFileFuzzer;
// docs/fuzzing.md.
//
// A @main type rather than a main.swift: SwiftPM's --sanitize=fuzzer (what
// OSS-Fuzz builds with) compiles executables with -parse-as-library.
import CLibFuzzer
import Glibc
import PagewaitFuzz

@main
enum FuzzScenarioFile {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            Target.scenarioFile.fuzz(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        })
    }
}
