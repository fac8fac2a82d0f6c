// The C ABI fuzz target: the input is a sequence of pw_* calls with fuzzed
// arguments. The harness is PagewaitFuzz.CABIFuzzer; docs/fuzzing.md.
import CLibFuzzer
import Glibc
import PagewaitFuzz

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    Target.cabi.fuzz(UnsafeRawBufferPointer(start: data, count: size))
    return 0
})
