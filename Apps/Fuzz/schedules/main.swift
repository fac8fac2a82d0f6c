// The schedule fuzz target: every scenario and strategy (or those
// PW_FUZZ_SCENARIO / PW_FUZZ_STRATEGY name, PW_FUZZ_PLUGIN's included).
// The harness is PagewaitFuzz.ScheduleFuzzer; docs/fuzzing.md.
import CLibFuzzer
import Glibc
import PagewaitFuzz

Target.startSchedules(safe: false, name: "fuzz-schedules")
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    Target.schedules!.fuzz(UnsafeRawBufferPointer(start: data, count: size))
    return 0
})
