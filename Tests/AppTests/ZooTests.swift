// The zoo as CI runs it: every entry of the quick subset must come out as
// known-bugs.md says (the buggy configuration caught with an expected
// violation, every fixed one proved, a quantitative entry's claims holding),
// its reports must parse back (KTAP as KUnit reads it, JSON), and every
// command `pagewait zoo show` prints must reproduce what `zoo run` reported.

import Foundation
import Synchronization
import Testing
@testable import PagewaitCommands
import PagewaitCore
import PagewaitPlugins

/// The quick subset, run once for every test here, with every scheduler
/// (show prints a pct and a random line for each buggy configuration).
let quickZoo: [ZooEntryResult] = {
    let registry = BuiltinPlugins.registry()
    let runner = ZooRunner(registry: registry, methods: [.exhaustive, .pct, .random], jobs: 2)
    return zooEntries(registry).filter(\.quick).map { runner.run($0) }
}()

/// One locker taking the lock once: nothing can go wrong.
let loneLocker = ScenarioSpec(
    name: "zoo-test-lone-locker", summary: "one locker, one lock_page", parameters: ["mappings": 0],
    actors: [ActorSpec(Locker(), count: 1, ["iterations": 1, "hold": 1, "think": 0])])

/// The built-in registry with `entries` and the lone-locker scenario added.
func zooRegistry(_ entries: [BugEntry] = []) throws -> Registry {
    var r = BuiltinPlugins.registry()
    try r.register(loneLocker)
    for e in entries { try r.register(e) }
    return r
}

/// An entry made to test the zoo's machinery, not a bug.
func bogus(_ id: String, scenario: String, buggy: String, fixed: [String] = []) -> BugEntry {
    BugEntry(id, "a test entry", reference: "", functions: [], tags: [], scenario: scenario,
             buggy: BugConfiguration("buggy", strategy: buggy), fixed: fixed.map { BugConfiguration("fixed", strategy: $0) },
             check: .violation([.lostWakeup, .hang]))
}

// MARK: - A KTAP reader

/// A test as KTAP describes it.
struct KTAPNode: Equatable {
    var name: String
    var ok: Bool
    var directive: String?
    var diagnostics: [String]
    var subtests: [KTAPNode]
}

struct KTAPSyntaxError: Error, CustomStringConvertible {
    var line: Int
    var message: String
    var description: String { "KTAP line \(line): \(message)" }
}

/// Reads KTAP version 1 strictly, as kunit_parser.py's rules have it: a
/// version line and a plan; per test either a result line, or a block
/// indented one level (four spaces) holding a version line, a "# Subtest:"
/// header, a plan and exactly that many tests, followed by the result line
/// with the header's name; result numbers count from 1; any other line is
/// a "# " diagnostic at the level it belongs to.
struct KTAPReader {
    var lines: [String]
    var i = 0

    init(_ text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
    }

    static func parse(_ text: String) throws -> (tests: [KTAPNode], trailer: [String]) {
        var r = KTAPReader(text)
        try r.expect("KTAP version 1")
        let count = try r.plan(indent: "")
        var tests: [KTAPNode] = []
        for n in 1...max(1, count) where count > 0 { tests.append(try r.test(number: n, indent: "")) }
        let trailer = try r.diagnostics(indent: "")
        guard r.i == r.lines.count else { throw KTAPSyntaxError(line: r.i + 1, message: "unexpected '\(r.lines[r.i])'") }
        return (tests, trailer)
    }

    mutating func expect(_ line: String) throws {
        guard i < lines.count, lines[i] == line else {
            throw KTAPSyntaxError(line: i + 1, message: "expected '\(line)', got '\(i < lines.count ? lines[i] : "end")'")
        }
        i += 1
    }

    mutating func plan(indent: String) throws -> Int {
        guard i < lines.count, lines[i].hasPrefix(indent + "1.."), let n = Int(lines[i].dropFirst(indent.count + 3)) else {
            throw KTAPSyntaxError(line: i + 1, message: "expected a plan line")
        }
        i += 1
        return n
    }

    mutating func diagnostics(indent: String) throws -> [String] {
        var out: [String] = []
        while i < lines.count, lines[i].hasPrefix(indent + "# ") {
            out.append(String(lines[i].dropFirst(indent.count + 2)))
            i += 1
        }
        return out
    }

    mutating func test(number: Int, indent: String) throws -> KTAPNode {
        var subtests: [KTAPNode] = []
        var header: String?
        let inner = indent + "    "
        if i < lines.count, lines[i] == inner + "KTAP version 1" {
            i += 1
            let h = try diagnostics(indent: inner)
            guard let first = h.first, first.hasPrefix("Subtest: ") else { throw KTAPSyntaxError(line: i, message: "no '# Subtest:' header") }
            header = String(first.dropFirst("Subtest: ".count))
            let count = try plan(indent: inner)
            for n in 1...max(1, count) where count > 0 { subtests.append(try test(number: n, indent: inner)) }
        }
        let diagnostics = try diagnostics(indent: indent)
        guard i < lines.count else { throw KTAPSyntaxError(line: i + 1, message: "missing result line for test \(number)") }
        let line = lines[i]
        guard line.hasPrefix(indent), !line.dropFirst(indent.count).hasPrefix(" ") else {
            throw KTAPSyntaxError(line: i + 1, message: "result line at the wrong indentation: '\(line)'")
        }
        var rest = Substring(line.dropFirst(indent.count))
        let ok: Bool
        if rest.hasPrefix("ok ") { ok = true; rest = rest.dropFirst(3) } else if rest.hasPrefix("not ok ") { ok = false; rest = rest.dropFirst(7) } else {
            throw KTAPSyntaxError(line: i + 1, message: "expected a result line, got '\(line)'")
        }
        let numberText = rest.prefix { $0.isNumber }
        guard Int(numberText) == number else { throw KTAPSyntaxError(line: i + 1, message: "expected test number \(number) in '\(line)'") }
        rest = rest.dropFirst(numberText.count)
        guard rest.hasPrefix(" ") else { throw KTAPSyntaxError(line: i + 1, message: "no description in '\(line)'") }
        rest = rest.dropFirst()
        var name = rest, directive: String?
        if let hash = rest.range(of: " # ") {
            name = rest[..<hash.lowerBound]
            directive = String(rest[hash.upperBound...])
        }
        guard !name.contains("#") else { throw KTAPSyntaxError(line: i + 1, message: "'#' in a description") }
        if let header, header != String(name) {
            throw KTAPSyntaxError(line: i + 1, message: "result '\(name)' does not match its '# Subtest: \(header)'")
        }
        i += 1
        return KTAPNode(name: String(name), ok: ok, directive: directive, diagnostics: diagnostics, subtests: subtests)
    }
}

/// The exit status a command's run ends with, as `pagewait` reports it.
func exitStatus(_ body: () throws -> Void) -> Int32 {
    do { try body() } catch { return Pagewait.exitCode(for: error).rawValue }
    return 0
}

/// The JSON `jsonText` made, as Foundation objects.
func jsonObject(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

@Suite("zoo")
struct ZooTests {
    @Test("every entry of CI's quick subset comes out as known-bugs.md says: an expected violation in the buggy configuration, a proof for every fixed one, or a quantitative entry's claims holding")
    func quickSubset() throws {
        #expect(!quickZoo.isEmpty)
        for r in quickZoo {
            #expect(r.ok, "\(r.entry.name): \(r.problems) \(r.configurations.map(\.problems))")
            switch r.entry.check {
            case .violation(let expected):
                let buggy = try #require(r.configurations.first)
                #expect(buggy.role == .buggy)
                let kind = try #require(buggy.search(.exhaustive)?.kind, "\(r.entry.name): no counterexample")
                #expect(expected.contains(kind), "\(r.entry.name): \(kind)")
                #expect((buggy.search(.exhaustive)?.minimalLength ?? 0) > 0)
                for fixed in r.configurations.dropFirst() {
                    #expect(fixed.search(.exhaustive)?.verdict == .proof, "\(r.entry.name) \(fixed.configuration.strategy)")
                }
                #expect(r.configurations.count == 1 + r.entry.fixed.count)
            case .metrics:
                let spec = r.entry.metricsSpec ?? .standard
                #expect(r.configurations.allSatisfy { $0.metrics?.runs == spec.seeds.count && $0.metrics?.violations == 0 })
                #expect(r.configurations.map(\.claims.count).reduce(0, +) == spec.claims.count)
                #expect(r.configurations.allSatisfy { $0.claims.allSatisfy(\.holds) })
            }
        }
    }

    @Test("KTAP output parses back as KUnit reads it: one test per entry, a subtest per configuration, ok exactly where the run was ok")
    func ktapStructure() throws {
        let notOk = ZooRunner(registry: try zooRegistry(), jobs: 1)
            .run(bogus("Z90", scenario: loneLocker.name, buggy: "legacy", fixed: ["legacy"]))
        let report = ZooReport(requested: quickZoo.map(\.entry) + [notOk.entry], results: quickZoo + [notOk], seconds: 1)
        let (tests, trailer) = try KTAPReader.parse(report.ktap())
        #expect(tests.map(\.name) == quickZoo.map(\.entry.name) + ["Z90"])
        for (test, result) in zip(tests, quickZoo + [notOk]) {
            #expect(test.ok == result.ok && test.directive == nil)
            #expect(test.subtests.count == result.configurations.count)
            #expect(test.subtests.map(\.ok) == result.configurations.map(\.ok))
            #expect(test.subtests.first?.name.hasPrefix("buggy \(result.entry.buggy.strategy)") == true)
            #expect(test.subtests.dropFirst().allSatisfy { $0.name.hasPrefix("fixed ") })
            #expect(test.diagnostics.first == "\(result.entry.name): \(result.entry.summary)")
        }
        #expect(tests.last?.ok == false && tests.last?.subtests.map(\.ok) == [false, true])
        #expect(trailer == ["Totals: pass:\(quickZoo.count) fail:1 skip:0 total:\(quickZoo.count + 1)"])
    }

    @Test("an interrupted run's KTAP marks the entries it did not run as skipped, and still parses")
    func ktapInterrupted() throws {
        let report = ZooReport(requested: quickZoo.map(\.entry), results: [quickZoo[0]], seconds: 1)
        let (tests, _) = try KTAPReader.parse(report.ktap())
        #expect(tests.count == quickZoo.count)
        #expect(tests.dropFirst().allSatisfy { $0.directive == "SKIP interrupted" && $0.subtests.isEmpty })
        #expect(report.interrupted && report.skippedCount == quickZoo.count - 1)
    }

    @Test("the KTAP writer keeps '#' out of descriptions and newlines out of every line")
    func ktapEscaping() throws {
        let t = KTAPTest("a#b", ok: false, diagnostics: ["two\nlines"], subtests: [KTAPTest("c\nd", ok: true)])
        let text = KTAP.render([t])
        let (tests, _) = try KTAPReader.parse(text)
        #expect(tests == [KTAPNode(name: "a%b", ok: false, directive: nil, diagnostics: ["two lines"],
                                   subtests: [KTAPNode(name: "c d", ok: true, directive: nil, diagnostics: [], subtests: [])])])
    }

    @Test("JSON output holds each entry's verdict, its configurations' searches and the commands that reproduce them")
    func jsonStructure() throws {
        let report = ZooReport(requested: quickZoo.map(\.entry), results: quickZoo, seconds: 1)
        let json = try jsonObject(try jsonText(report))
        let entries = try #require(json["entries"] as? [[String: Any]])
        #expect(json["total"] as? Int == quickZoo.count && json["ok"] as? Int == quickZoo.count && json["notOk"] as? Int == 0)
        #expect(entries.map { $0["id"] as? String } == quickZoo.map(\.entry.name))
        for (e, r) in zip(entries, quickZoo) {
            #expect(e["ok"] as? Bool == true && e["class"] as? String == r.entry.bugClass)
            let configurations = try #require(e["configurations"] as? [[String: Any]])
            #expect(configurations.map { $0["strategy"] as? String } == r.entry.configurations.map(\.strategy))
            #expect(configurations.allSatisfy { ($0["commands"] as? [String])?.allSatisfy { $0.hasPrefix("pagewait ") } == true })
            guard case .violation(let expected) = r.entry.check else {
                #expect(configurations.allSatisfy { ($0["metrics"] as? [String: Double])?["runs"] != nil })
                continue
            }
            let buggy = try #require(configurations.first?["searches"] as? [[String: Any]])
            #expect(buggy.map { $0["scheduler"] as? String } == ["exhaustive", "pct", "random"])
            #expect(expected.map(\.rawValue).contains(buggy[0]["kind"] as? String ?? ""))
            #expect((buggy[0]["minimalLength"] as? Int ?? 0) > 0 && buggy[0]["states"] as? Int != nil)
            for fixed in configurations.dropFirst() {
                let searches = try #require(fixed["searches"] as? [[String: Any]])
                #expect(searches.count == 1 && searches[0]["proof"] as? Bool == true && searches[0]["verdict"] as? String == "proof")
            }
        }
    }

    /// The configuration each printed command belongs to: show's
    /// "  buggy: STRATEGY ..." / "  fixed: STRATEGY ..." line above it.
    static func shownCommands(_ text: String) -> [(role: String, strategy: String, label: String, command: String)] {
        var role = "", strategy = ""
        var out: [(String, String, String, String)] = []
        for line in text.split(separator: "\n") {
            for r in ["buggy", "fixed"] where line.hasPrefix("  \(r): ") {
                role = r
                strategy = String(line.dropFirst("  \(r): ".count).prefix { $0 != " " })
            }
            for label in ["explore", "run"] where line.hasPrefix("    \(label): pagewait ") {
                out.append((role, strategy, label, String(line.dropFirst("    \(label): ".count))))
            }
        }
        return out
    }

    /// A configuration's role, strategy and parameters, as one key.
    static func key(_ c: ZooConfigurationResult) -> String {
        "\(c.role.rawValue) \(c.configuration.strategy) \(c.configuration.memory) " + c.configuration.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    @Test("every command `zoo show` prints, run as pasted, reproduces what `zoo run` reports for its configuration")
    func shownCommandsReproduce() throws {
        // Every shown command first, then run two at a time (CI has two
        // cores and this test is the suite's longest), then checked in order.
        var shown: [(result: ZooEntryResult, show: String, commands: [(role: String, strategy: String, label: String, command: String)])] = []
        for r in quickZoo {
            let show = try runPagewait(["zoo", "show", r.entry.name])
            #expect(show.status == 0, "\(show)")
            shown.append((r, show.stdout, Self.shownCommands(show.stdout).map { (role: $0.0, strategy: $0.1, label: $0.2, command: $0.3) }))
        }
        let lines = shown.flatMap { $0.commands.map { $0.command + ($0.label == "explore" ? " --quiet" : "") } }
        let outputs = Mutex<[Int: Result<ProcessOutput, any Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: lines.count) { i in
            let out = Result { try runShell(lines[i]) }
            outputs.withLock { $0[i] = out }
        }
        var next = 0
        for (r, show, commands) in shown {
            let expectedCount = r.entry.check == .metrics ? r.configurations.count : r.configurations.count + 2
            #expect(commands.count == expectedCount, "\(show)")
            var printed: [String: [ExplorationRequest.Method]] = [:]
            for c in commands {
                let out = try #require(outputs.withLock { $0[next] }).get()
                next += 1
                // A configuration is its role, strategy, parameters and memory
                // model (several may share a strategy: Z15's differ in their
                // parameters only, Z5's in their memory model).
                let configuration = try #require(r.configurations.first {
                    $0.role.rawValue == c.role && $0.configuration.strategy == c.strategy
                        && $0.configuration.parameters.allSatisfy { (c.command + " ").contains("--param \($0.key)=\($0.value) ") }
                        && ($0.configuration.memory == .sc ? !c.command.contains("--memory ")
                            : (c.command + " ").contains("--memory \($0.configuration.memory) "))
                })
                if c.label == "run" {
                    let m = try #require(configuration.metrics)
                    #expect(field("lock fairness: ", in: out.stdout) == "most requeues by one waiter \(m.mostRequeues), most bypasses \(m.mostBypasses)",
                            "\(c.command)\n\(out)")
                    #expect(out.status == (m.violations > 0 ? 1 : 0))
                    continue
                }
                let method: ExplorationRequest.Method = c.command.contains("--scheduler pct") ? .pct : c.command.contains("--scheduler random") ? .random : .exhaustive
                printed[Self.key(configuration), default: []].append(method)
                let search = try #require(configuration.search(method), "\(c.command)")
                let o = search.outcome
                #expect(out.status == (o.violation == nil ? 0 : 1), "\(c.command)\n\(out)")
                if let v = o.violation {
                    #expect(field("verdict: VIOLATION ", in: out.stdout) == "\(v)", "\(c.command)\n\(out)")
                    let lengths = "\(o.found?.steps.count ?? 0) steps as found" + (o.minimal.map { ", \($0.steps.count) after shrinking" } ?? "")
                    #expect(field("schedule: ", in: out.stdout)?.hasPrefix(lengths) == true, "\(c.command)\n\(out)")
                } else {
                    let verdict = try #require(field("verdict: ", in: out.stdout))
                    #expect(verdict.contains(ExplorationVerdict.proofWords) == search.verdict.isProof, "\(c.command)\n\(out)")
                }
                if method == .exhaustive {
                    #expect(field("states ", in: out.stdout)?.hasPrefix("\(o.states),") == true, "\(c.command)\n\(out)")
                } else {
                    #expect(field("runs ", in: out.stdout)?.hasPrefix("\(o.runs ?? -1), steps \(o.states),") == true, "\(c.command)\n\(out)")
                }
            }
            // One command per search zoo run made: the buggy configuration's
            // exhaustive, pct and random searches, each fixed one's proof.
            if case .violation = r.entry.check {
                for c in r.configurations {
                    #expect(printed[Self.key(c)] == c.searches.map(\.method), "\(show)")
                }
            }
        }
    }

    @Test("an entry's parameters and bounds reach both its searches and the commands show prints for them")
    func parametersAndBounds() throws {
        let entry = BugEntry("Z93", "a test entry", reference: "", functions: [], tags: [], scenario: "reclaim-race",
                             buggy: BugConfiguration("buggy", strategy: "put-and-wait-unlockless", parameters: ["think": 3]),
                             fixed: [BugConfiguration("fixed", strategy: "put-and-wait", parameters: ["preemptInWindow": 500])],
                             check: .violation([.lostWakeup]), bounds: .init(states: 5000, maxDepth: 200))
        let registry = try zooRegistry([entry])
        let result = ZooRunner(registry: registry, jobs: 1).run(entry)
        let commands = Self.shownCommands(ZooShow.text(entry, registry: registry)).filter { !$0.command.contains("--scheduler") }
        #expect(commands.map(\.command) == [
            "pagewait explore reclaim-race --strategy put-and-wait-unlockless --param think=3 --budget 5000 --max-depth 200",
            "pagewait explore reclaim-race --strategy put-and-wait --param preemptInWindow=500 --budget 5000 --max-depth 200",
        ])
        // 200 steps cut every path to the lost wakeup (step 234), so the
        // buggy search is bounded too.
        #expect(result.configurations.allSatisfy { $0.search(.exhaustive)?.verdict.name == "bounded" } && !result.ok)
        for (c, configuration) in zip(commands, result.configurations) {
            let o = try #require(configuration.search(.exhaustive)?.outcome)
            let out = try runShell(c.command + " --quiet")
            // The command runs on explore's default jobs: a search the
            // budget cuts counts the states its threads met before it ran
            // out, which is timing (docs/exploration.md); never more than
            // the budget, which --jobs 1 (the runner's) fills exactly.
            let states = field("states ", in: out.stdout).flatMap { Int($0.prefix { $0 != "," }) }
            #expect(o.states == 5000 && states.map { $0 > 0 && $0 <= o.states } == true, "\(c.command)\n\(out)")
            #expect(field("verdict: ", in: out.stdout)?.hasPrefix(o.violation == nil ? "no violation within bounds" : "VIOLATION \(o.violation!.kind)") == true,
                    "\(c.command)\n\(out)")
        }
    }

    @Test("zoo run writes KTAP to a file through -o and exits 0 when every entry it ran is ok")
    func runToFile() throws {
        let dir = try scratchDirectory("zoo-ktap")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("zoo.ktap").path
        let r = try runPagewait(["zoo", "run", "Z18", "z18", "--format", "ktap", "-o", file, "--quiet"])
        #expect(r.status == 0 && r.stdout.isEmpty, "\(r)")
        let (tests, _) = try KTAPReader.parse(try String(contentsOfFile: file, encoding: .utf8))
        #expect(tests.map(\.name) == ["Z18"] && tests[0].ok)
    }

    @Test("an unknown id is refused with exit status 2 and one line listing the known ids")
    func unknownID() throws {
        let r = try runPagewait(["zoo", "run", "Z1", "Z99"])
        expectRefused(r, "no zoo entry 'Z99'")
        #expect(r.stderr.hasSuffix("; known: \(quickZooIDs)\n"), "\(r)")
        expectRefused(try runPagewait(["zoo", "show", "Zx"]), "no zoo entry 'Zx'")
    }

    var quickZooIDs: String { zooEntries(BuiltinPlugins.registry()).map(\.name).joined(separator: ", ") }

    @Test("zoo run exits 1 when an entry is not ok, and the report says why")
    func notOkExitStatus() throws {
        let entry = bogus("Z90", scenario: loneLocker.name, buggy: "legacy")
        let registry = try zooRegistry([entry])
        let dir = try scratchDirectory("zoo-not-ok")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("report.txt").path
        let command = try ZooRun.parse(["Z90", "-o", file, "--quiet"])
        #expect(exitStatus { try command.run(interrupt: Interrupt(), registry: registry) } == 1)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains("  not ok Z90") && text.contains("problem: exhaustive: no counterexample"), "\(text)")
        #expect(text.contains("explore: pagewait explore zoo-test-lone-locker --strategy legacy"), "\(text)")
    }

    @Test("an interrupted zoo run reports the entries it did not run and exits 130")
    func interrupted() throws {
        let dir = try scratchDirectory("zoo-interrupted")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("report.json").path
        let interrupt = Interrupt()
        interrupt.request()
        let command = try ZooRun.parse(["--format", "json", "-o", file, "--quiet"])
        #expect(exitStatus { try command.run(interrupt: interrupt) } == Interrupt.exitStatus)
        let json = try jsonObject(try String(contentsOfFile: file, encoding: .utf8))
        #expect(json["interrupted"] as? Bool == true && (json["entries"] as? [Any])?.isEmpty == true)
    }

    @Test("zoo list names every entry with its class and quick flag; list --kind bug lists them as registry plugins")
    func listing() throws {
        let r = try runPagewait(["zoo", "list"])
        #expect(r.status == 0)
        for e in zooEntries(BuiltinPlugins.registry()) {
            #expect(r.stdout.split(separator: "\n").contains { $0.hasPrefix(e.name + " ") && $0.contains(e.bugClass) && $0.hasSuffix(e.summary) },
                    "\(e.name)\n\(r.stdout)")
        }
        let kind = try runPagewait(["list", "--kind", "bug"])
        #expect(kind.status == 0 && kind.stdout.hasPrefix("bugs:\n"), "\(kind)")
        #expect(zooEntries(BuiltinPlugins.registry()).allSatisfy { e in kind.stdout.contains("  \(e.name) ") })
    }
}
