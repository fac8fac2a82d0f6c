// The command-line fuzz target: argument vectors drawn from the real
// option set, run in-process. The harness is PagewaitFuzz.CommandLineFuzzer;
// docs/fuzzing.md.
//
// A @main type rather than a main.swift: SwiftPM's --sanitize=fuzzer (what
// OSS-Fuzz builds with) compiles executables with -parse-as-library.
import CLibFuzzer
import Glibc
import PagewaitFuzz

@main
enum FuzzCommandLine {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            Target.commandLine.fuzz(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        })
    }
}
