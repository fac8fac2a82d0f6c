// What `explore` and `compare` claim, run as the command line runs them:
// no proof for a part of a search, a task that never ends, a scenario with
// no tasks or an interrupted search; Ctrl-C stops them cleanly with 130.

import ArgumentParser
import Foundation
import Testing
@testable import PagewaitCommands

/// Run `command` and return what it wrote to `-o` and how it exited (0
/// when it returned).
private func runExplore(_ arguments: [String], interrupt: Interrupt = Interrupt()) throws -> (text: String, status: Int32) {
    let out = temporaryFile("verdict-\(UUID().uuidString).txt")
    defer { try? FileManager.default.removeItem(atPath: out) }
    let command = try Explore.parse(arguments + ["--quiet", "-o", out])
    var status: Int32 = 0
    do { try command.run(interrupt: interrupt) } catch let e as ExitCode { status = e.rawValue }
    return (try String(contentsOfFile: out, encoding: .utf8), status)
}

/// A scenario file holding `text`, removed after `body`.
private func withScenarioFile<T>(_ text: String, _ body: (String) throws -> T) throws -> T {
    let path = temporaryFile("scenario-\(UUID().uuidString).toml")
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

@Suite("explore verdicts on the command line")
struct ExploreVerdictCommandTests {
    @Test("a shard, even an empty one, is not called a proof and exits 0; the whole search is a proof")
    func shardNoProof() throws {
        let part = try runExplore(["reclaim-race", "--strategy", "put-and-wait-unlockless", "--shard", "999999/1000000"])
        #expect(part.status == 0 && !part.text.contains("proof") && part.text.contains("shard 999999/1000000"), "\(part.text)")
        let whole = try runExplore(["reclaim-race", "--strategy", "noref", "--jobs", "1"])
        #expect(whole.status == 0 && whole.text.contains("a proof for this scenario"), "\(whole.text)")
    }

    @Test("a scenario file with only a hot-remover never ends: NON_TERMINATION, exit 1, and replay of its schedule says the same")
    func lonelyHotRemover() throws {
        try withScenarioFile("name = \"lonely-hotremover\"\nsummary = \"waits for an offline that never comes\"\n\n[[actor]]\nkind = \"hotremover\"\n") { path in
            let r = try runExplore([path, "--strategy", "legacy"])
            #expect(r.status == 1 && r.text.contains("VIOLATION NON_TERMINATION") && !r.text.contains("proof"), "\(r.text)")
            let schedule = try #require(r.text.firstRange(of: "replay: pagewait replay '").map { r.text[$0.upperBound...].prefix { $0 != "'" } })
            let replayOut = temporaryFile("verdict-replay.txt")
            defer { try? FileManager.default.removeItem(atPath: replayOut) }
            let replay = try Replay.parse([String(schedule), "--scenario", path, "--strategy", "legacy", "-o", replayOut])
            #expect(throws: ExitCode(1)) { try replay.run() }
            #expect(try String(contentsOfFile: replayOut, encoding: .utf8).contains("violation: NON_TERMINATION"))
        }
    }

    @Test("a scenario with no tasks is refused: nothing to explore")
    func zeroTasks() throws {
        let command = try Explore.parse(["fairness", "--strategy", "legacy", "--param", "lockers=0", "--param", "stealers=0", "--quiet"])
        #expect { try command.run() } throws: { ($0 as? ValidationError)?.message.contains("has no tasks") == true }
    }

    @Test("an interrupted explore prints its partial result marked interrupted, never a proof, and exits 130")
    func interruptedInProcess() throws {
        let interrupt = Interrupt()
        interrupt.request()
        for scheduler in ["exhaustive", "random"] {
            let r = try runExplore(["reclaim-race", "--strategy", "noref", "--scheduler", scheduler], interrupt: interrupt)
            #expect(r.status == 130 && r.text.contains("interrupted") && !r.text.contains("proof"), "\(r.text)")
        }
    }

    @Test("SIGINT to a running explore or compare: it stops, prints what it has, marked interrupted, and exits 130",
          arguments: [["explore", "wake-walk", "--strategy", "legacy", "--jobs", "2", "--quiet"],
                      ["compare", "--seeds", "200000"]])
    func realSignal(arguments: [String]) throws {
        let exe = try testBuildDirectory().appendingPathComponent("pagewait").path
        let scratch = temporaryFile("sigint-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: scratch, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Long enough for the command to be well into its loops.
        Thread.sleep(forTimeInterval: 2)
        #expect(process.isRunning)
        process.interrupt()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try out.close()
        let text = try String(contentsOfFile: scratch, encoding: .utf8)
        #expect(process.terminationReason == .exit && process.terminationStatus == 130, "\(process.terminationStatus): \(text)")
        #expect(text.contains("interrupted") && !text.contains("a proof"), "\(text)")
    }
}
