// The C ABI fuzz target: the input is a sequence of pw_* calls with fuzzed
// arguments. The harness is PagewaitFuzz.CABIFuzzer; docs/fuzzing.md.
//
// A @main type rather than a main.swift: SwiftPM's --sanitize=fuzzer (what
// OSS-Fuzz builds with) compiles executables with -parse-as-library.
import CLibFuzzer
import Glibc
import PagewaitFuzz

@main
enum FuzzCABI {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            Target.cabi.fuzz(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        })
    }
}
