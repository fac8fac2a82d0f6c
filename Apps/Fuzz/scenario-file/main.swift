// The scenario-file fuzz target: parse (and build, and briefly run) the
// input as a scenario file. The harness is PagewaitFuzz.ScenarioFileFuzzer;
// docs/fuzzing.md.
import CLibFuzzer
import Glibc
import PagewaitFuzz

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    Target.scenarioFile.fuzz(UnsafeRawBufferPointer(start: data, count: size))
    return 0
})
