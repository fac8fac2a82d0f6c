// Running a built executable as its users run it, for the test targets
// that check what a command prints and how it exits.

import Foundation

/// The build directory: the one holding this test executable.
public func testBuildDirectory() throws -> URL {
    let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    return URL(fileURLWithPath: exe).deletingLastPathComponent()
}

/// What a finished process left.
public struct ProcessOutput: CustomStringConvertible, Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var description: String { "exit status \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
}

/// Run `executable` (a path, or a name looked up in PATH) to completion.
/// Output goes through files, so a chatty child can never block on a pipe.
public func runProcess(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                       in directory: URL? = nil) throws -> ProcessOutput {
    let scratch = FileManager.default.temporaryDirectory
        .appendingPathComponent("pagewait-process-\(getpid())-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)

    let process = Process()
    if executable.contains("/") {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
    } else {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
    }
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    if let directory { process.currentDirectoryURL = directory }
    process.standardOutput = out
    process.standardError = err
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    return ProcessOutput(status: process.terminationStatus,
                         stdout: try String(contentsOf: outURL, encoding: .utf8),
                         stderr: try String(contentsOf: errURL, encoding: .utf8))
}
