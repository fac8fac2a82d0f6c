// The schedule fuzz target, restricted to the combinations exhaustive
// exploration proves safe: what a long campaign runs.
// The harness is PagewaitFuzz.ScheduleFuzzer; docs/fuzzing.md.
import CLibFuzzer
import Glibc
import PagewaitFuzz

Target.startSchedules(safe: true, name: "fuzz-schedules-safe")
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    Target.schedules!.fuzz(UnsafeRawBufferPointer(start: data, count: size))
    return 0
})
