// The recorded-output corpus: what every built-in scenario × strategy
// prints through `run`, `explore`, `replay` (with its Chrome trace) and
// `compare --format json`, reduced to a digest per command and kept in
// Tests/RecordedOutputs/digests.txt. A change to Core that must not change
// behaviour (a refactor, a faster search) keeps every digest; a change that
// means to change an output re-records them, and the diff of that file
// names every command whose output moved:
//
//     PW_RECORD_OUTPUTS=1 swift test --filter RecordedOutputTests
//
// Wall-clock figures ("0.012 s", "searchSeconds") are masked before the
// digest; nothing else is.

import Foundation
import PagewaitPlugins
import Testing

@Suite("recorded outputs")
struct RecordedOutputTests {
    static let digestFile = packageRoot.appendingPathComponent("Tests/RecordedOutputs/digests.txt")

    /// Every command of the corpus, as the arguments given to `pagewait`.
    /// `TRACE` stands for a scratch trace file whose content is digested
    /// with the command's output.
    static var commands: [[String]] {
        let scenarios = BuiltinScenarios.all.map(\.name)
        let strategies = BuiltinPlugins.strategies.map(\.name) + ["unfair-0"]
        var all: [[String]] = [
            ["compare", "--seeds", "200", "--format", "json"],
            ["compare", "--seeds", "100", "--scenario", "reuse", "--faulters", "1,2", "--strategy", "drop-loops", "--strategy", "noref"],
        ]
        for sc in scenarios {
            for st in strategies {
                all.append(["run", sc, "--strategy", st, "--seeds", "6", "--seed", "11", "--jobs", "1"])
                all.append(["run", sc, "--strategy", st, "--seeds", "4", "--seed", "90", "--jobs", "1", "--format", "json"])
                all.append(["explore", sc, "--strategy", st, "--jobs", "1", "--budget", "3000"])
                all.append(["explore", sc, "--strategy", st, "--jobs", "1", "--max-depth", "45", "--budget", "30000",
                            "--no-sleep-sets", "--format", "json"])
                all.append(["explore", sc, "--strategy", st, "--scheduler", "pct", "--budget", "25", "--seed", "3"])
                all.append(["replay", "--seed", "5", "--scenario", sc, "--strategy", st, "--max-steps", "3000",
                            "--trace-out", "TRACE"])
                all.append(["replay", "--seed", "6", "--scenario", sc, "--strategy", st, "--max-steps", "3000",
                            "--format", "json"])
            }
        }
        return all
    }

    /// The masked output of one command and its digest line.
    static func digestLine(_ arguments: [String]) throws -> String {
        let dir = try scratchDirectory("recorded-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = dir.appendingPathComponent("trace.json").path
        let r = try runPagewait(arguments.map { $0 == "TRACE" ? trace : $0 })
        // A refused command records nothing worth keeping.
        guard r.status != 2 else { throw CorpusError(message: "pagewait \(arguments.joined(separator: " ")): \(r)") }
        var text = "status \(r.status)\n--- stdout\n\(r.stdout)\n--- stderr\n\(r.stderr)"
        if arguments.contains("TRACE") {
            text += "\n--- trace\n" + ((try? String(contentsOfFile: trace, encoding: .utf8)) ?? "<none>")
        }
        let masked = maskClock(text)
        return "\(fnv1a(masked)) \(masked.utf8.count) \(arguments.joined(separator: " "))"
    }

    /// Replace wall-clock figures: "0.012 s", "12,345 states/s" and JSON
    /// fields whose name ends in "Seconds"/"seconds"; drop the progress
    /// lines a search prints once a second ("  ... 4096 states, ...").
    static func maskClock(_ text: String) -> String {
        var s = text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !($0.hasPrefix("  ... ") && $0.hasSuffix("/s")) }.joined(separator: "\n")
        s = s.replacing(/\b[0-9][0-9,]*(\.[0-9]+)? s\b/, with: "<t> s")
        s = s.replacing(/[0-9][0-9,.]* (states|runs|steps|inputs)\/s/) { "<r> \($0.output.1)/s" }
        s = s.replacing(/"(\w*[Ss]econds)" : [0-9.e+-]+/) { "\"\($0.output.1)\" : <t>" }
        return s
    }

    /// FNV-1a, 64 bits, as 16 hex digits: a change detector, not a
    /// cryptographic hash.
    static func fnv1a(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    @Test("every built-in scenario × strategy prints what was recorded, byte for byte (wall-clock figures masked)")
    func outputsMatchRecording() async throws {
        let commands = Self.commands
        // Two processes at a time: CI has two cores.
        let lines = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var next = 0, out = [String](repeating: "", count: commands.count)
            func add() {
                let i = next
                next += 1
                group.addTask { (i, try Self.digestLine(commands[i])) }
            }
            while next < min(2, commands.count) { add() }
            while let (i, line) = try await group.next() {
                out[i] = line
                if next < commands.count { add() }
            }
            return out
        }
        let text = lines.joined(separator: "\n") + "\n"
        if ProcessInfo.processInfo.environment["PW_RECORD_OUTPUTS"] == "1" {
            try FileManager.default.createDirectory(at: Self.digestFile.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: Self.digestFile, atomically: true, encoding: .utf8)
            return
        }
        let recorded = try String(contentsOf: Self.digestFile, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(recorded.count == lines.count, "the corpus has \(lines.count) commands, the recording \(recorded.count)")
        var changed = 0
        for (now, then) in zip(lines, recorded) where now != then {
            changed += 1
            if changed <= 20 { Issue.record("output changed:\n  recorded: \(then)\n  now:      \(now)") }
        }
        #expect(changed == 0, "\(changed) of \(lines.count) outputs differ from Tests/RecordedOutputs/digests.txt")
    }

    struct CorpusError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    @Test("the clock mask hides wall-clock figures and nothing else")
    func maskIsNarrow() {
        #expect(Self.maskClock("states 419, deepest path 111 steps, 0.009 s") == "states 419, deepest path 111 steps, <t> s")
        #expect(Self.maskClock("\"searchSeconds\" : 0.009451305,") == "\"searchSeconds\" : <t>,")
        #expect(Self.maskClock("1,234,567 states/s") == "<r> states/s")
        #expect(Self.maskClock("3 seeds, step 233, pfn 0") == "3 seeds, step 233, pfn 0")
        #expect(Self.maskClock("a\n  ... 28672 states, 27825 states/s\nb") == "a\nb")
        #expect(Self.fnv1a("a") != Self.fnv1a("b"))
    }
}
