import Glibc

/// Write a line to standard error (unbuffered, so it is out before a trap).
public func printError(_ line: String) {
    var bytes = Array((line + "\n").utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
        if n <= 0 { break }
        offset += n
    }
}

/// Report a finding and trap, so libFuzzer records the input as a crash
/// (run with SWIFT_BACKTRACE=enable=no, or Swift's backtracer takes the trap
/// first and no crash file is written).
public func fuzzerFail(_ report: String) -> Never {
    printError(report)
    fatalError("pagewait fuzz: finding (report above)")
}
