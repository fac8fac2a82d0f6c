// The schedule fuzz target: every scenario and strategy (or those
// PW_FUZZ_SCENARIO / PW_FUZZ_STRATEGY name, PW_FUZZ_PLUGIN's included).
// The harness is PagewaitFuzz.ScheduleFuzzer; docs/fuzzing.md.
//
// A @main type rather than a main.swift: SwiftPM's --sanitize=fuzzer (what
// OSS-Fuzz builds with) compiles executables with -parse-as-library.
import CLibFuzzer
import Glibc
import PagewaitFuzz

@main
enum FuzzSchedules {
    static func main() {
        Target.startSchedules(safe: false, name: "fuzz-schedules")
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            Target.schedules!.fuzz(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        })
    }
}
