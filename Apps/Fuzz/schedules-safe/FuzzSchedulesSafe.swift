// The schedule fuzz target, restricted to the combinations exhaustive
// exploration proves safe: what a long campaign runs.
// The harness is PagewaitFuzz.ScheduleFuzzer; docs/fuzzing.md.
//
// A @main type rather than a main.swift: SwiftPM's --sanitize=fuzzer (what
// OSS-Fuzz builds with) compiles executables with -parse-as-library.
import CLibFuzzer
import Glibc
import PagewaitFuzz

@main
enum FuzzSchedulesSafe {
    static func main() {
        Target.startSchedules(safe: true, name: "fuzz-schedules-safe")
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            Target.schedules!.fuzz(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        })
    }
}
