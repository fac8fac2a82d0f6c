import Glibc

/// Standard output and error of in-process code, captured through
/// temporary files: the command line prints with `print` and writes
/// errors to file descriptor 2, as it does in the executable.
enum Captured {
    /// Run `body` with descriptors 1 and 2 sent to temporary files; its
    /// result and what it wrote to each.
    static func run<T>(_ body: () -> T) -> (T, String, String) {
        fflush(nil)
        let savedOut = dup(1), savedErr = dup(2)
        let out = temporaryFile(), err = temporaryFile()
        dup2(out, 1)
        dup2(err, 2)
        let result = body()
        fflush(nil)
        dup2(savedOut, 1)
        dup2(savedErr, 2)
        close(savedOut)
        close(savedErr)
        return (result, contents(out), contents(err))
    }

    /// An unlinked temporary file, open for reading and writing.
    static func temporaryFile() -> Int32 {
        var template = Array("/tmp/pagewait-fuzz-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return fd
    }

    /// Everything written to `fd`, which is closed.
    static func contents(_ fd: Int32) -> String {
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        lseek(fd, 0, SEEK_SET)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
