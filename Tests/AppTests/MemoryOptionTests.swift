// `--memory sc|tso|arm` on the commands that run the engine: tso and arm
// run, unknown names are refused with why, and the replay hint a tso
// search prints carries `--memory tso` and replays the finding.

import ArgumentParser
import Foundation
import Testing
@testable import PagewaitCommands

@Suite("--memory on the command line")
struct MemoryOptionTests {
    /// The words of `line` after "replay: pagewait ", single quotes removed.
    private func hintWords(_ text: String) throws -> [String] {
        let line = try #require(text.split(separator: "\n").first { $0.contains("replay: pagewait replay") })
        let command = line[try #require(line.firstRange(of: "pagewait ")).upperBound...]
        return command.split(separator: " ").map { $0.replacingOccurrences(of: "'", with: "") }
    }

    @Test("explore --memory tso prints a replay hint with --memory tso, and running the hint reproduces the violation")
    func hintReplays() throws {
        let out = temporaryFile("memory-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let explore = try Explore.parse(["killable-lockers", "--memory", "tso", "--jobs", "1", "--quiet", "-o", out])
        #expect(throws: ExitCode(1)) { try explore.run(interrupt: Interrupt()) }
        let text = try String(contentsOfFile: out, encoding: .utf8)
        let kind = try #require(text.firstRange(of: "VIOLATION ").map { text[$0.upperBound...].prefix { $0 != ":" && $0 != " " } })
        let words = try hintWords(text)
        #expect(words.first == "replay" && words.suffix(2) == ["--memory", "tso"], "\(words)")
        let replayOut = temporaryFile("memory-replay-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(atPath: replayOut) }
        let replay = try Replay.parse(Array(words.dropFirst()) + ["-o", replayOut])
        #expect(throws: ExitCode(1)) { try replay.run() }
        #expect(try String(contentsOfFile: replayOut, encoding: .utf8).contains("violation: \(kind)"))
    }

    @Test("--memory arm runs on the engine; an unknown model is refused with the accepted names")
    func refusals() throws {
        let out = temporaryFile("memory-arm-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let arm = try Run.parse(["z9-split-clear-dirty", "--memory", "arm", "--seeds", "1", "-o", out])
        try arm.run()
        #expect(try !String(contentsOfFile: out, encoding: .utf8).isEmpty)
        #expect { _ = try Run.parse(["reclaim-race", "--memory", "pso"]) } throws: { e in
            "\(Run.message(for: e))".contains("expected one of sc, tso, arm")
        }
        #expect { _ = try ZooRun.parse(["Z1", "--memory", "pso"]) } throws: { e in
            "\(ZooRun.message(for: e))".contains("expected one of sc, tso, arm")
        }
    }
}
