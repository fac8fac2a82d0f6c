// Scenario files (docs/scenarios.md): the documented example loads and
// runs; every malformed file is rejected with its line and the problem.

import Foundation
import Testing
import PagewaitCore
import PagewaitPlugins

/// The repository's top folder, from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite("Scenario files")
struct ScenarioFileTests {
    static let examplePath = repositoryRoot.appendingPathComponent("Examples/scenarios/busy-page.toml").path

    @Test("the example in docs/scenarios.md is Examples/scenarios/busy-page.toml, verbatim, and it loads and runs")
    func documentedExample() throws {
        let text = try String(contentsOfFile: Self.examplePath, encoding: .utf8)
        let doc = try String(contentsOfFile: repositoryRoot.appendingPathComponent("docs/scenarios.md").path, encoding: .utf8)
        #expect(doc.contains(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        let spec = try ScenarioFile.parse(text, path: Self.examplePath, registry: registry)
        #expect(spec.name == "busy-page")
        #expect(spec.pageFlags == [.uptodate, .lru, .workingset])
        let setup = try spec.build(strategy: PutAndWait(), parameters: [:])
        #expect(setup.taskNames == ["migrator", "faulter0", "faulter1", "faulter2"])
        #expect(setup.world.ptes.count == 4)
        let outcomes = SeedSweep(setup: setup, seeds: 1..<51).run()
        #expect(outcomes.allSatisfy { $0.violation == nil && $0[.migrateCalls] == 1 })
    }

    @Test("a file with actors only (no base) builds the tasks it lists, with their parameters")
    func actorsOnly() throws {
        let text = """
            name = "two-lockers"
            [parameters]
            mappings = 0
            [[actor]]
            kind = "locker"
            count = 2
            iterations = 5
            killable = true
            """
        let spec = try ScenarioFile.parse(text, path: "two.toml", registry: registry)
        #expect(spec.actors.count == 1 && spec.actors[0].count == 2 && spec.actors[0].parameters["killable"] == 1)
        let setup = try spec.build(strategy: RewriteFair(), parameters: [:])
        let r = SeedSweep(setup: setup, seeds: 1..<21).run()
        #expect(r.allSatisfy { $0[.lockAcquired] == 10 && $0.violation == nil })
    }

    @Test("malformed files are rejected with the line and the problem", arguments: [
        ("name = \"x\"\nbase = \"migrate-vs-faulters\"\n[parameters]\nthink = \"fast\"", 4, "must be an integer"),
        ("base = \"nope\"", 1, "no built-in scenario 'nope'"),
        ("base = \"offline\"\n\n[parameters]\nthnik = 3", 4, "no actor in this scenario has a parameter 'thnik'"),
        ("[[actor]]\nkind = \"faulter\"\nthink = 1\nspeed = 2", 4, "actor 'faulter' has no parameter 'speed'"),
        ("[[actor]]\nkind = \"wizard\"", 2, "no actor 'wizard'"),
        ("[[actor]]\ncount = 2", 1, "needs a 'kind'"),
        ("base = \"offline\"\n[parameters]\nfaulters = 2\nfaulters = 3", 4, "appears twice"),
        ("base = \"offline\"\n[parameters\n", 2, "malformed table header"),
        ("base = \"offline\"\n[colours]\nred = 1", 2, "unknown table [colours]"),
        ("base = \"offline\"\nfoo", 2, "expected 'key = value'"),
        ("summary = \"unterminated", 1, "unterminated string"),
        ("base = \"offline\"\n[parameters]\nthink = 99999999999999999999", 3, "out of range"),
        ("base = \"offline\"\n[page]\nflags = [\"uptodate\", \"shiny\"]", 3, "unknown page flag 'shiny'"),
        ("base = \"offline\"\n[page]\nflags = [\"uptodate\" \"lru\"]", 3, "expected ','"),
        ("name = \"empty\"", 1, "no actors"),
        ("base = \"offline\"\n[[actor]]\nkind = \"faulter\"\ncount = 1000", 4, "count 1000 is out of range: allowed 0...128"),
        ("base = \"offline\"\n[[stuff]]", 2, "unknown array of tables"),
        ("base = \"offline\"\ncolour = 3", 2, "unknown key 'colour'"),
        ("base = 3", 1, "'base' must be a string"),
        ("summary = \"bad \\q escape\"", 1, "unknown escape"),
    ])
    func malformed(text: String, line: Int, message: String) {
        do {
            _ = try ScenarioFile.parse(text, path: "bad.toml", registry: registry)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.message.contains(message), "\(error)")
            #expect(error.description.hasPrefix("bad.toml:\(line): "))
        }
    }

    @Test("comments, blank lines, underscores in numbers and '#' inside strings are read as TOML reads them")
    func lexicalDetails() throws {
        let text = """
            # a comment
            name = "hash # inside"   # trailing comment

            base = "migrate-vs-faulters"
            [parameters]
            think = 1_0
            """
        let spec = try ScenarioFile.parse(text, path: "ok.toml", registry: registry)
        #expect(spec.name == "hash # inside")
        #expect(spec.parameters["think"] == 10)
    }

    @Test("arbitrary bytes never crash the parser: every input parses or is rejected with a line within the file")
    func randomInputsNeverCrash() {
        var rng = SplitMix64(seed: 7)
        let alphabet = Array("[]=\"#\\,\n abcdefkinotuy_0123456789-+.")
        for _ in 0..<3000 {
            let n = rng.below(80)
            let text = String((0..<n).map { _ in alphabet[rng.below(alphabet.count)] })
            do { _ = try ScenarioFile.parse(text, path: "r.toml", registry: registry) } catch {
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
                #expect(error.line >= 1 && error.line <= max(1, lines), "\(error) for \(text.debugDescription)")
            }
        }
    }

    @Test("a scenario parameter no actor has is refused by build, naming the known ones")
    func unknownOverride() throws {
        let s = try registry.scenario("offline")
        #expect(throws: BuildError.self) { try s.build(strategy: PutAndWait(), parameters: ["thnik": 1]) }
        do { _ = try s.build(strategy: PutAndWait(), parameters: ["thnik": 1]) } catch {
            #expect(error.message.contains("no parameter 'thnik'") && error.message.contains("think"))
        }
    }

    // The three below were found by the scenario-file fuzz target (docs/fuzzing.md).

    @Test("a file with Windows line ends means what it means with Unix ones")
    func crlfLineEnds() throws {
        let text = "name = \"w\"\nbase = \"migrate-vs-faulters\"\n[parameters]\nthink = 7\n"
        let unix = try ScenarioFile.parse(text, path: "u.toml", registry: registry)
        let windows = try ScenarioFile.parse(text.replacingOccurrences(of: "\n", with: "\r\n"), path: "w.toml", registry: registry)
        #expect(windows.name == unix.name && windows.parameters == unix.parameters && windows.actors.count == unix.actors.count)
        do {
            _ = try ScenarioFile.parse("base = \"offline\"\r\n\r\nfoo\r\n", path: "w.toml", registry: registry)
            Issue.record("accepted")
        } catch {
            #expect(error.line == 3, "\(error)")
        }
    }

    @Test("with several mistakes in one table, the rejection names the first by line, every time")
    func firstMistakeByLine() {
        let text = "base = \"offline\"\n[parameters]\nzeta = 1\nalpha = 2\nmid = 3\n"
        for _ in 0..<20 {
            do {
                _ = try ScenarioFile.parse(text, path: "m.toml", registry: registry)
                Issue.record("accepted")
            } catch {
                #expect(error.line == 3 && error.message.contains("'zeta'"), "\(error)")
            }
        }
    }

    @Test("a parameter beyond ScenarioSpec.maxParameterValue, or a task count beyond TaskSet.capacity, is refused before anything is built: in a file with its line, through build as a RangeError", arguments: [
        ("wake-walk", "delay", ScenarioSpec.maxParameterValue + 1), ("wake-walk", "delay", 1_000_000_000_000),
        ("migrate-vs-faulters", "faulters", 100_000_000_000), ("migrate-vs-faulters", "faulters", Int64(TaskSet.capacity)),
    ])
    func hugeParameters(scenario: String, key: String, value: Int64) throws {
        let text = "base = \"\(scenario)\"\n[parameters]\n\(key) = \(value)\n"
        do {
            _ = try ScenarioFile.parse(text, path: "h.toml", registry: registry)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.hasPrefix("h.toml:3: ") && error.range != nil, "\(error)")
        }
        let builtin = try registry.scenario(scenario)
        do {
            _ = try builtin.build(strategy: PutAndWait(), parameters: [key: value])
            Issue.record("built with \(key)=\(value)")
        } catch {
            #expect(error.underlying is RangeError, "\(error)")
        }
    }

    @Test("a pause of ScenarioSpec.maxParameterValue steps is still accepted")
    func largestPause() throws {
        let s = try registry.scenario("migrate-vs-faulters")
        let setup = try s.build(strategy: PutAndWait(), parameters: ["think": ScenarioSpec.maxParameterValue])
        #expect(setup.taskNames == (try s.build(strategy: PutAndWait(), parameters: [:])).taskNames)
    }
}
