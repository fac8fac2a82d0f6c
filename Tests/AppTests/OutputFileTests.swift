// Output paths belong to the user: a symlink is written through and kept, a
// FIFO or character device is written as it is, only a regular file is
// replaced, and a path that cannot be written is refused before the work.

import ArgumentParser
import Foundation
import Testing
@testable import PagewaitCommands

@Suite("pagewait output files")
struct OutputFileTests {
    static func kind(_ path: String) -> mode_t {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_mode & S_IFMT : 0
    }

    /// The message of the error `body` throws; nil when it throws none.
    static func failure(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let e as ValidationError { return e.message } catch { return "\(error)" }
    }

    @Test("a symlink is written through: the target gets the text, the link stays a link (also a relative, dangling one)")
    func symlink() throws {
        let dir = try scratchDirectory("out-symlink")
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("target.txt").path, link = dir.appendingPathComponent("link.txt").path
        try "old\n".write(toFile: target, atomically: false, encoding: .utf8)
        chmod(target, 0o640)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        try emit("new\n", to: link)
        #expect(Self.kind(link) == S_IFLNK)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "new\n")
        var st = stat()
        #expect(stat(target, &st) == 0 && st.st_mode & 0o777 == 0o640, "the replaced file keeps its mode")

        // A relative link to a file that does not exist yet: the file is made where the link points.
        let dangling = dir.appendingPathComponent("dangling.json").path
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: "made.json")
        try emit("{}\n", to: dangling, option: "--trace-out")
        #expect(Self.kind(dangling) == S_IFLNK)
        #expect(try String(contentsOfFile: dir.appendingPathComponent("made.json").path, encoding: .utf8) == "{}\n")
    }

    @Test("a FIFO is written into, not replaced: its reader gets the text")
    func fifo() throws {
        let dir = try scratchDirectory("out-fifo")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("pipe").path
        #expect(mkfifo(path, 0o600) == 0)
        // The reader opens first (non-blocking, so no thread can hang), then
        // the writer finds it; the text fits the pipe's buffer.
        let reader = open(path, O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        defer { close(reader) }
        let text = "through the pipe\n"
        try emit(text, to: path)
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(reader, &buffer, buffer.count)
        #expect(n == text.utf8.count)
        #expect(String(decoding: buffer.prefix(max(0, n)), as: UTF8.self) == text)
        #expect(Self.kind(path) == S_IFIFO)
    }

    @Test("a character device is written as it is: /dev/null stays a device, and a full one says why")
    func characterDevice() throws {
        try emit("discarded\n", to: "/dev/null", option: "--svg")
        #expect(Self.kind("/dev/null") == S_IFCHR)
        if FileManager.default.fileExists(atPath: "/dev/full") {
            #expect(Self.failure {
                try emit("x\n", to: "/dev/full", option: "--svg")
            } == "--svg '/dev/full': cannot write: no space left on device")
            #expect(Self.kind("/dev/full") == S_IFCHR)
        }
    }

    @Test("a path that cannot be written is refused with the reason in words", arguments: [
        ("", "the path is empty"),
        ("/", "it is a directory"),
        ("/nonexistent-pagewait-dir/out.txt", "no such directory '/nonexistent-pagewait-dir'"),
        ("/dev/null/x", "a component of the path is not a directory"),
    ])
    func refused(path: String, why: String) {
        #expect(Self.failure {
            try OutputFile(option: "--output", path: path).check()
        } == "--output '\(path)': cannot write: \(why)")
    }

    @Test("a directory the user may not write to is refused as permission denied")
    func permissionDenied() throws {
        guard getuid() != 0 else { return }  // root may write anywhere
        let dir = try scratchDirectory("out-readonly")
        defer { chmod(dir.path, 0o755); try? FileManager.default.removeItem(at: dir) }
        chmod(dir.path, 0o555)
        let path = dir.appendingPathComponent("x.svg").path
        #expect(Self.failure {
            try OutputFile(option: "--svg", path: path).check()
        } == "--svg '\(path)': cannot write: permission denied to create files in '\(dir.path)'")
    }

    @Test("explore with --trace-out at a directory is refused before the search: nothing on standard output, the reason on one line")
    func directoryRefusedBeforeSearch() throws {
        let dir = try scratchDirectory("out-dir")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runPagewait(["explore", "reclaim-race", "--strategy", "put-and-wait-unlockless", "--quiet", "--trace-out", dir.path])
        #expect(r.status == 2, "\(r)")
        #expect(r.stdout.isEmpty, "the search ran: \(r)")
        #expect(r.stderr == "Error: --trace-out '\(dir.path)': cannot write: it is a directory\n", "\(r)")
        for arguments in [["compare", "--seeds", "5", "--svg", dir.path], ["replay", "--seed", "1", "--scenario", "offline", "--strategy", "legacy", "-o", dir.path]] {
            let r = try runPagewait(arguments)
            #expect(r.status == 2 && r.stdout.isEmpty && r.stderr.contains("it is a directory"), "\(arguments): \(r)")
        }
    }
}
