// A scenario file means what it says (docs/scenarios.md, "How a file's
// values combine"): no value silently loses to another, every task has
// its own name, a file with no tasks or a value out of range is refused
// naming file:line.

import Testing
import PagewaitCore
import PagewaitPlugins

@Suite("Scenario files mean what they say")
struct ScenarioFileMeaningTests {
    static func parse(_ text: String, _ path: String = "s.toml") throws(ScenarioFileError) -> ScenarioSpec {
        try ScenarioFile.parse(text, path: path, registry: registry)
    }

    /// The rejection of `text`, or nil (recorded) if it parses.
    static func rejection(_ text: String, _ path: String = "s.toml") -> ScenarioFileError? {
        do {
            _ = try parse(text, path)
            Issue.record("accepted: \(text)")
            return nil
        } catch {
            return error
        }
    }

    @Test("[[actor]] tables replace the base's actors and their counts: count = 4 runs four faulters, no count runs one")
    func actorCountWins() throws {
        let four = try Self.parse("base = \"migrate-vs-faulters\"\n[[actor]]\nkind = \"migrator\"\n[[actor]]\nkind = \"faulter\"\ncount = 4\n")
        let setup = try four.build(strategy: PutAndWait(), parameters: [:])
        #expect(setup.taskNames == ["migrator", "faulter0", "faulter1", "faulter2", "faulter3"])
        // The base's other parameters stay: two mappings.
        #expect(setup.world.ptes.count == 2)
        let one = try Self.parse("base = \"migrate-vs-faulters\"\n[[actor]]\nkind = \"migrator\"\n[[actor]]\nkind = \"faulter\"\n")
        #expect(try one.build(strategy: PutAndWait(), parameters: [:]).taskNames == ["migrator", "faulter"])
        // The caller still has the last word, as with a built-in.
        #expect(try four.build(strategy: PutAndWait(), parameters: ["faulters": 2]).taskNames == ["migrator", "faulter0", "faulter1"])
        // A count in [parameters] sets a table that gives none.
        let viaParameters = try Self.parse("[parameters]\nfaulters = 3\n[[actor]]\nkind = \"migrator\"\n[[actor]]\nkind = \"faulter\"\n")
        #expect(try viaParameters.build(strategy: PutAndWait(), parameters: [:]).taskNames.count == 4)
    }

    @Test("a value given both in [parameters] and in an [[actor]] table is refused unless they agree", arguments: [
        ("base = \"migrate-vs-faulters\"\n[parameters]\nfaulters = 2\n[[actor]]\nkind = \"migrator\"\n[[actor]]\nkind = \"faulter\"\ncount = 4\n", 8, "'faulters' is set twice: 2 in [parameters] at line 3"),
        ("[[actor]]\nkind = \"faulter\"\nthink = 2\n[parameters]\nthink = 4\n", 5, "'think' is set twice: 4 in [parameters] at line 5, which reaches every actor, and 2 in an [[actor]] table at line 3"),
        ("[parameters]\nthink = 4\n[[actor]]\nkind = \"locker\"\nthink = 4\n[[actor]]\nkind = \"stealer\"\nthink = 0\n", 8, "'think' is set twice"),
    ])
    func conflicts(text: String, line: Int, message: String) {
        guard let e = Self.rejection(text) else { return }
        #expect(e.line == line && e.message.contains(message), "\(e)")
    }

    @Test("the same value in both places is no conflict: the documented example says faulters = 3 and count = 3")
    func agreeingValues() throws {
        let spec = try Self.parse("[parameters]\nthink = 4\n[[actor]]\nkind = \"migrator\"\n[[actor]]\nkind = \"faulter\"\nthink = 4\n")
        #expect(try spec.build(strategy: PutAndWait(), parameters: [:]).taskNames == ["migrator", "faulter"])
    }

    @Test("two [[actor]] tables of one kind are refused naming both lines; with a 'name' each, their tasks and counts are their own")
    func sameKindTwice() throws {
        let plain = "[[actor]]\nkind = \"migrator\"\n[[actor]]\nkind = \"faulter\"\n[[actor]]\nkind = \"faulter\"\nthink = 9\n"
        if let e = Self.rejection(plain) {
            #expect(e.line == 5 && e.message.contains("second [[actor]] named 'faulter' (the first is at line 3)"), "\(e)")
        }
        let named = "[[actor]]\nkind = \"migrator\"\n[[actor]]\nkind = \"faulter\"\ncount = 2\n[[actor]]\nkind = \"faulter\"\nname = \"slow\"\ncount = 2\nthink = 9\n"
        let spec = try Self.parse(named)
        let setup = try spec.build(strategy: PutAndWait(), parameters: [:])
        #expect(setup.taskNames == ["migrator", "faulter0", "faulter1", "slow0", "slow1"])
        #expect(Set(setup.taskNames).count == setup.taskNames.count)
        #expect(spec.knownParameters.contains("slows"))
        #expect(try spec.build(strategy: PutAndWait(), parameters: ["slows": 1]).taskNames == ["migrator", "faulter0", "faulter1", "slow0"])
        // A name that repeats the other line's, or that ends in a digit and
        // could meet another line's task names, is refused.
        if let e = Self.rejection(named.replacingOccurrences(of: "\"slow\"", with: "\"faulter\"")) {
            #expect(e.line == 8, "\(e)")
        }
        if let e = Self.rejection(named.replacingOccurrences(of: "\"slow\"", with: "\"faulter1\"")) {
            #expect(e.line == 8 && e.message.contains("'name' must be"), "\(e)")
        }
        if let e = Self.rejection(named.replacingOccurrences(of: "\"slow\"", with: "\"mapping\"")) {
            #expect(e.line == 8 && e.message.contains("'mappings'"), "\(e)")
        }
    }

    @Test("a file that yields no tasks is refused with the line that made it so", arguments: [
        ("[[actor]]\nkind = \"faulter\"\ncount = 0\n", 3),
        ("base = \"offline\"\n[parameters]\nfaulters = 0\noffliners = 0\n", 3),
        ("[[actor]]\nkind = \"faulter\"\ncount = 0\n[[actor]]\nkind = \"reader\"\ncount = 0\n", 3),
    ])
    func noTasks(text: String, line: Int) {
        guard let e = Self.rejection(text) else { return }
        #expect(e.line == line && e.message.contains("no tasks") && e.range != nil, "\(e)")
    }

    @Test("bound errors name file:line, where the value was written", arguments: [
        ("[[actor]]\nkind = \"faulter\"\nthink = -5\n", 3, "parameter think -5 is out of range: allowed 0...10,000"),
        ("base = \"migrate-vs-faulters\"\n[parameters]\n\npasses = -1\n", 4, "parameter passes -1 is out of range: allowed 1...10,000"),
        ("base = \"killable-lockers\"\n[parameters]\ntarget = 99\n", 3, "parameter target 99 is out of range: allowed 0...4"),
        ("base = \"fairness\"\n[parameters]\niterations = -1\n", 3, "parameter iterations -1 is out of range"),
        ("base = \"migrate-vs-faulters\"\n[parameters]\npreemptInWindow = 1001\n", 3, "parameter preemptInWindow 1001 is out of range: allowed 0...1,000"),
        ("[[actor]]\nkind = \"faulter\"\ncount = 100\n[[actor]]\nkind = \"reader\"\ncount = 29\n", 3, "count 100 is out of range: allowed 0...99 (the other actors have 29 tasks; a scenario has 1...128 tasks)"),
        ("base = \"wake-walk\"\n[parameters]\nreaders = 128\n", 3, "parameter readers 128 is out of range: allowed 0...127"),
        ("[parameters]\nmappings = 0\n[[actor]]\nkind = \"faulter\"\n", 2, "parameter mappings 0 is out of range: allowed 1...32"),
        // A value the base brought is the base's line.
        ("base = \"fairness\"\n[[actor]]\nkind = \"faulter\"\n", 1, "parameter mappings 0 is out of range"),
        ("[[actor]]\nkind = \"locker\"\ntrylock = true\nkillable = true\n", 4, "parameter killable 1 is out of range: allowed 0...0"),
    ])
    func boundErrorsNameTheLine(text: String, line: Int, message: String) {
        guard let e = Self.rejection(text, "bound.toml") else { return }
        #expect(e.line == line && e.message.contains(message), "\(e)")
        #expect(e.description.hasPrefix("bound.toml:\(line): ") && e.range != nil, "\(e)")
    }

    @Test("a file that parses can still be built out of range by the caller: the file's values keep their file:line, the caller's are the scenario's")
    func locatedAtBuild() throws {
        let spec = try Self.parse("[[actor]]\nkind = \"locker\"\ncount = 3\n[[actor]]\nkind = \"signaller\"\ntarget = 3\n", "k.toml")
        do {
            _ = try spec.build(strategy: PutAndWait(), parameters: ["lockers": 1])
            Issue.record("built")
        } catch {
            #expect(error.message.hasPrefix("k.toml:6: actor 'signaller': parameter target 3 is out of range: allowed 0...1"), "\(error)")
            #expect(error.underlying is RangeError)
        }
        do {
            _ = try spec.build(strategy: PutAndWait(), parameters: ["think": -1])
            Issue.record("built")
        } catch {
            #expect(error.message.hasPrefix("scenario 'k': actor 'locker': parameter think -1 is out of range"), "\(error)")
        }
    }

    @Test("keys in the wrong place are refused with a hint, and malformed integers are not read as others", arguments: [
        ("[params]\nthink = 1\n", 1, "did you mean [parameters]?"),
        ("[actor]\nkind = \"faulter\"\n", 1, "did you mean [[actor]]?"),
        ("base = \"offline\"\n[parameters]\nthink = 4\nname = \"x\"\n", 4, "top-level keys (name, summary, base) must come before the first [table]"),
        ("base = \"offline\"\n[parameters]\ncount = 4\n", 3, "'count' belongs in an [[actor]] table"),
        ("base = \"offline\"\nthink = 4\n", 2, "scenario parameters go under [parameters]"),
        ("[[actor]]\nkind = \"faulter\"\nmappings = 2\n", 3, "scenario parameters go under [parameters]"),
        ("[[actor]]\nkind = \"faulter\"\nflags = [\"lru\"]\n", 3, "'flags' belongs in [page]"),
        ("[[actor]]\nkind = \"faulter\"\nbase = \"offline\"\n", 3, "must come before the first [table]"),
        ("base = \"offline\"\n[page]\nflags = [\"lru\", \"lru\"]\n", 3, "page flag 'lru' appears twice"),
        ("base = \"offline\"\n[parameters]\nthink = _1\n", 3, "malformed integer"),
        ("base = \"offline\"\n[parameters]\nthink = 1__0\n", 3, "malformed integer"),
        ("base = \"offline\"\n[parameters]\nthink = 1_\n", 3, "malformed integer"),
        ("[[actor]]\nkind = \"faulter\"\nname = 3\n", 3, "'name' must be a string"),
    ])
    func misplaced(text: String, line: Int, message: String) {
        guard let e = Self.rejection(text) else { return }
        #expect(e.line == line && e.message.contains(message), "\(e)")
    }

    @Test("every built-in scenario, as a file's base with nothing changed, means the built-in: same tasks, same programs")
    func baseAlone() throws {
        for builtin in BuiltinScenarios.all {
            let file = try Self.parse("base = \"\(builtin.name)\"\n")
            let a = try builtin.build(strategy: PutAndWait(), parameters: [:])
            let b = try file.build(strategy: PutAndWait(), parameters: [:])
            #expect(a.taskNames == b.taskNames && a.engine.programs == b.engine.programs && a.world == b.world, "\(builtin.name)")
        }
    }
}
