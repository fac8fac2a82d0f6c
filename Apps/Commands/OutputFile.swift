import ArgumentParser
import Foundation
import Glibc

/// A path the user named for output (`-o`, `--svg`, `--trace-out`). The path
/// belongs to the user: a symlink is written through (the link stays), a
/// FIFO or character device is opened and written as it is, and only a
/// regular file (or a path that does not exist yet) is replaced, atomically,
/// by a temporary file renamed over it.
struct OutputFile {
    /// The option that named it, for messages ("--trace-out").
    var option: String
    /// The path as given.
    var path: String

    enum Kind: Equatable { case missing, regular, fifo, characterDevice }

    /// What `path` names once symlinks are followed, and the file to write:
    /// the final target of a symlink chain, or `path` itself.
    func resolve() throws -> (target: String, kind: Kind) {
        guard !path.isEmpty else { throw failure("the path is empty") }
        var target = path
        for _ in 0..<40 {
            var st = stat()
            guard lstat(target, &st) == 0 else {
                if errno == ENOENT { return (target, .missing) }
                throw failure(errno)
            }
            switch st.st_mode & S_IFMT {
            case S_IFLNK:
                target = try linkTarget(of: target)
            case S_IFREG: return (target, .regular)
            case S_IFIFO: return (target, .fifo)
            case S_IFCHR: return (target, .characterDevice)
            case S_IFDIR: throw failure("it is a directory")
            case S_IFBLK: throw failure("it is a block device; write to a file, a FIFO or a character device")
            case S_IFSOCK: throw failure("it is a socket")
            default: throw failure("it is not a file")
            }
        }
        throw failure("too many levels of symbolic links")
    }

    /// Whether the output can be written, checked before a long search so
    /// that its result is not lost at the end. Writes nothing.
    func check() throws {
        let (target, kind) = try resolve()
        switch kind {
        case .fifo, .characterDevice, .regular:
            // A regular file is replaced by rename, which the directory
            // allows; refusing what the file's own mode forbids keeps a
            // read-only file as the user marked it, as a shell's `>` would.
            if access(target, W_OK) != 0 { throw failure(errno) }
            if kind == .regular { try checkDirectory(of: target) }
        case .missing:
            try checkDirectory(of: target)
        }
    }

    /// Write `text`: through a symlink, directly into a FIFO or device, by
    /// temporary file and rename otherwise.
    func write(_ text: String) throws {
        let (target, kind) = try resolve()
        let bytes = Array(text.utf8)
        switch kind {
        case .fifo, .characterDevice:
            let fd = open(target, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw failure(errno) }
            defer { close(fd) }
            try writeAll(fd, bytes)
        case .regular, .missing:
            try checkDirectory(of: target)
            var mode: mode_t = 0o666 & ~currentUmask()
            if kind == .regular {
                var st = stat()
                if stat(target, &st) == 0 { mode = st.st_mode & 0o7777 }
            }
            var template = Array((directory(of: target) + "/.\(basename(of: target)).XXXXXX").utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { throw failure(errno) }
            let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            do {
                defer { close(fd) }
                try writeAll(fd, bytes)
                guard fchmod(fd, mode) == 0, fsync(fd) == 0 else { throw failure(errno) }
            } catch {
                unlink(temporary)
                throw error
            }
            guard rename(temporary, target) == 0 else {
                let e = errno
                unlink(temporary)
                throw failure(e)
            }
        }
    }

    // MARK: - Pieces

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure(errno)
            }
            done += n
        }
    }

    private func checkDirectory(of file: String) throws {
        let dir = directory(of: file)
        var st = stat()
        guard stat(dir, &st) == 0 else {
            throw failure(errno == ENOENT ? "no such directory '\(dir)'" : "'\(dir)': \(reason(errno))")
        }
        guard st.st_mode & S_IFMT == S_IFDIR else { throw failure("'\(dir)' is not a directory") }
        guard access(dir, W_OK | X_OK) == 0 else { throw failure("\(reason(errno)) to create files in '\(dir)'") }
    }

    private func linkTarget(of link: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(link, &buffer, buffer.count - 1)
        guard n >= 0 else { throw failure(errno) }
        let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return target.hasPrefix("/") ? target : directory(of: link) + "/" + target
    }

    private func directory(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "." }
        return slash == file.startIndex ? "/" : String(file[..<slash])
    }

    private func basename(of file: String) -> String {
        file.lastIndex(of: "/").map { String(file[file.index(after: $0)...]) } ?? file
    }

    private func currentUmask() -> mode_t {
        let m = umask(0)
        umask(m)
        return m
    }

    private func reason(_ code: Int32) -> String {
        switch code {
        case EACCES, EPERM: return "permission denied"
        case ENOENT: return "no such file or directory"
        case ENOTDIR: return "a component of the path is not a directory"
        case EISDIR: return "it is a directory"
        case ENOSPC: return "no space left on device"
        case EROFS: return "read-only file system"
        case ENAMETOOLONG: return "the path is too long"
        case ELOOP: return "too many levels of symbolic links"
        default:
            let text = String(cString: strerror(code))
            return text.prefix(1).lowercased() + text.dropFirst()
        }
    }

    private func failure(_ code: Int32) -> ValidationError { failure(reason(code)) }

    private func failure(_ why: String) -> ValidationError {
        ValidationError("\(option) '\(path)': cannot write: \(why)")
    }
}

/// Check every output path a command was given, before it does its work.
func checkOutputs(_ outputs: [(option: String, path: String?)]) throws {
    for (option, path) in outputs {
        if let path { try OutputFile(option: option, path: path).check() }
    }
}

/// Print `text`, or write it to `path` (see `OutputFile`), naming `option`
/// in an error.
func emit(_ text: String, to path: String?, option: String = "--output") throws {
    guard let path else {
        print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        return
    }
    try OutputFile(option: option, path: path).write(text)
}
