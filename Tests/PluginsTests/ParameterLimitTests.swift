// Every parameter of every built-in scenario and actor has an allowed
// range (docs/scenarios.md): a value outside it, or outside a range that
// depends on other values, is refused before any program is built, with a
// RangeError naming the parameter, the value and the range.

import Synchronization
import Testing
import PagewaitCore
import PagewaitPlugins

@Suite("Parameter limits")
struct ParameterLimitTests {
    static let specs = BuiltinScenarios.all

    /// Build `scenario` with `parameters`; the RangeError it is refused with.
    static func refusal(_ scenario: String, _ parameters: Parameters) throws -> (BuildError, RangeError)? {
        let s = try registry.scenario(scenario)
        do {
            _ = try s.build(strategy: PutAndWait(), parameters: parameters)
            return nil
        } catch {
            guard let range = error.underlying as? RangeError else {
                Issue.record("refused without a RangeError: \(error)")
                return nil
            }
            return (error, range)
        }
    }

    @Test("an actor count at the ends of Int64 is refused with its room, not trapped on (a fuzz finding: ordering the counts negated Int64.min)", arguments: [Int64.min, Int64.min + 1, Int64.max])
    func extremeCounts(value: Int64) throws {
        let (error, range) = try #require(try Self.refusal("reclaim-race", ["faulters": value]))
        #expect(range.what == "parameter faulters" && range.value == "\(value)", "\(error)")
        // With the other count extreme too, whichever is blamed, nothing traps.
        _ = try Self.refusal("reclaim-race", ["faulters": value, "reclaimers": Int64.min])
    }

    @Test("every built-in actor declares a limit for each of its parameters, and no limit for anything else; each default lies in its limit")
    func everyParameterHasALimit() {
        for actor in BuiltinPlugins.actors {
            #expect(Set(actor.limits.keys) == Set(actor.parameters.keys), "\(actor.name)")
            for (key, value) in actor.parameters {
                #expect(actor.limit(of: key).contains(value), "\(actor.name).\(key) = \(value) outside \(actor.limit(of: key))")
                #expect(actor.limit(of: key).range.upperBound <= ScenarioSpec.maxParameterValue)
            }
        }
        for spec in Self.specs {
            for p in spec.parameterTable {
                #expect(p.limit?.contains(p.defaultValue) == true, "\(spec.name).\(p.name) = \(p.defaultValue) outside \(p.limit.map { "\($0)" } ?? "no limit")")
            }
        }
    }

    @Test("the examples of meaningless values are refused with one line naming the parameter, the value and the range", arguments: [
        ("migrate-vs-faulters", "think", -5, "parameter think -5 is out of range: allowed 0...10,000"),
        ("migrate-vs-faulters", "passes", -1, "parameter passes -1 is out of range: allowed 1...10,000"),
        ("fairness", "iterations", -1, "parameter iterations -1 is out of range: allowed 0...10,000"),
        ("migrate-vs-faulters", "preemptInWindow", 1001, "parameter preemptInWindow 1001 is out of range: allowed 0...1,000"),
        ("migrate-vs-faulters", "preemptInWindow", -1, "parameter preemptInWindow -1 is out of range: allowed 0...1,000"),
        ("killable-lockers", "target", 99, "parameter target 99 is out of range: allowed 0...4"),
    ] as [(String, String, Int64, String)])
    func issueExamples(scenario: String, key: String, value: Int64, message: String) throws {
        let (error, range) = try #require(try Self.refusal(scenario, [key: value]))
        #expect(error.message.contains(message), "\(error)")
        #expect(!error.message.contains("\n"))
        #expect(range.what == "parameter \(key)" && range.value == "\(value)", "\(range)")
    }

    @Test("for every built-in scenario and every parameter, one below and one above its limit are refused as RangeErrors naming it")
    func justOutside() throws {
        for spec in Self.specs {
            for p in spec.parameterTable {
                let limit = try #require(p.limit, "\(spec.name).\(p.name)")
                for value in [limit.range.lowerBound - 1, limit.range.upperBound + 1] {
                    let (error, range) = try #require(try Self.refusal(spec.name, [p.name: value]), "\(spec.name) \(p.name)=\(value) built")
                    #expect(range.value == "\(value)" && (range.what == "parameter \(p.name)" || range.what == "tasks"), "\(spec.name): \(error)")
                    #expect(error.message.hasPrefix("scenario '\(spec.name)': "), "\(error)")
                }
            }
        }
    }

    @Test("values at the ends of the limits that depend on nothing else still build")
    func endsStillBuild() throws {
        let cases: [(String, Parameters)] = [
            ("migrate-vs-faulters", ["think": 0, "touches": 10_000, "preemptInWindow": 1000, "passes": 1, "mappings": 32, "faulters": 127]),
            ("offline", ["budget": 1, "passes": 1, "faulters": 0, "mappings": 0]),
            ("reuse", ["hold": -1, "delay": 0]),
            ("fairness", ["iterations": 0, "killable": 1, "lockers": 0, "stealers": 128]),
            ("killable-lockers", ["target": 4, "fatal": 0]),
            ("wake-walk", ["readers": 127, "hold": 0]),
        ]
        for (scenario, parameters) in cases {
            let setup = try registry.scenario(scenario).build(strategy: PutAndWait(), parameters: parameters)
            #expect(!setup.taskNames.isEmpty)
        }
    }

    @Test("limits that depend on other values: a signal's target is a task, a faulter needs a mapping, a trylock cannot sleep killably, 1...128 tasks in all")
    func dependentLimits() throws {
        let cases: [(String, Parameters, String)] = [
            ("killable-lockers", ["target": 5], "parameter target 5 is out of range: allowed 0...4 (a task index; the scenario has 5 tasks)"),
            ("killable-lockers", ["target": 3, "holders": 0, "stealers": 0], "parameter target 3 is out of range: allowed 0...2"),
            ("migrate-vs-faulters", ["mappings": 0], "parameter mappings 0 is out of range: allowed 1...32 (a faulter touches the page through a mapping)"),
            ("fairness", ["trylock": 1, "killable": 1], "parameter killable 1 is out of range: allowed 0...0 (with trylock = 1 the locker never sleeps)"),
            ("wake-walk", ["readers": 128], "parameter readers 128 is out of range: allowed 0...127 (the other actors have 1 task; a scenario has 1...128 tasks)"),
            ("wake-walk", ["readers": 0, "holders": 0], "the scenario has no tasks"),
            ("offline", ["offliners": 0, "faulters": 0], "the scenario has no tasks"),
        ]
        for (scenario, parameters, message) in cases {
            let (error, _) = try #require(try Self.refusal(scenario, parameters), "\(scenario) \(parameters) built")
            #expect(error.message.contains(message), "\(error)")
        }
        // Where nothing depends on it, the same value is fine.
        _ = try registry.scenario("migrate-vs-faulters").build(strategy: PutAndWait(), parameters: ["mappings": 0, "faulters": 0])
        _ = try registry.scenario("killable-lockers").build(strategy: PutAndWait(), parameters: ["target": 4])
    }

    @Test("an unknown parameter is still 'has no parameter', not a RangeError (the C ABI tells them apart)")
    func unknownIsNotARange() throws {
        let s = try registry.scenario("offline")
        do {
            _ = try s.build(strategy: PutAndWait(), parameters: ["thnik": 1])
            Issue.record("built")
        } catch {
            #expect(error.message.contains("has no parameter 'thnik'") && error.underlying == nil, "\(error)")
        }
    }

    final class Tally: Sendable {
        let count = Mutex(0)
    }

    /// An actor that counts the programs it writes.
    struct Counting: ProgramActor {
        let built = Tally()
        var name: String { "counting" }
        var summary: String { "counts program() calls" }
        var reference: String { "" }
        var parameters: Parameters { [:] }
        func program(_ context: ActorContext) throws(BuildError) -> Program {
            built.count.withLock { $0 += 1 }
            var b = ProgramBuilder(name: "counting")
            b.emit(.pause)
            do { return try b.build() } catch { throw BuildError("\(error)") }
        }
    }

    @Test("a value out of range is refused before any program is built, even one of a later actor line")
    func refusedBeforeBuilding() throws {
        let counting = Counting()
        var spec = ScenarioSpec(name: "counted", summary: "", parameters: ["mappings": 1],
                                actors: [ActorSpec(counting, count: 3), ActorSpec(Faulter())])
        _ = try spec.build(strategy: PutAndWait(), parameters: [:])
        #expect(counting.built.count.withLock { $0 } == 3)
        spec.actors[1].parameters["think"] = -5
        #expect(throws: BuildError.self) { try spec.build(strategy: PutAndWait(), parameters: [:]) }
        #expect(counting.built.count.withLock { $0 } == 3)
    }

    @Test("a plugin actor's parameter without a declared limit is held to the outer bound, both ways")
    func undeclaredLimit() throws {
        struct Loose: ProgramActor {
            var name: String { "loose" }
            var summary: String { "" }
            var reference: String { "" }
            var parameters: Parameters { ["knob": 0] }
            func program(_ context: ActorContext) throws(BuildError) -> Program {
                var b = ProgramBuilder(name: "loose")
                b.emit(.pause)
                do { return try b.build() } catch { throw BuildError("\(error)") }
            }
        }
        let spec = ScenarioSpec(name: "loose", summary: "", actors: [ActorSpec(Loose())])
        for ok in [-ScenarioSpec.maxParameterValue, ScenarioSpec.maxParameterValue] {
            _ = try spec.build(strategy: PutAndWait(), parameters: ["knob": ok])
        }
        for bad in [-ScenarioSpec.maxParameterValue - 1, ScenarioSpec.maxParameterValue + 1, Int64.min, Int64.max] {
            do {
                _ = try spec.build(strategy: PutAndWait(), parameters: ["knob": bad])
                Issue.record("built with knob=\(bad)")
            } catch {
                #expect(error.underlying is RangeError, "\(error)")
            }
        }
    }

    @Test("two actor lines of one name, or a line whose count parameter is another parameter, are refused")
    func ambiguousLines() {
        let twice = ScenarioSpec(name: "twice", summary: "", actors: [ActorSpec(Reader()), ActorSpec(Reader())])
        #expect(throws: BuildError.self) { try twice.build(strategy: PutAndWait(), parameters: [:]) }
        let clash = ScenarioSpec(name: "clash", summary: "", actors: [ActorSpec(Reader(), name: "mapping")])
        #expect(throws: BuildError.self) { try clash.build(strategy: PutAndWait(), parameters: [:]) }
        // Distinct line names whose tasks would still share a name.
        let tasks = ScenarioSpec(name: "tasks", summary: "", actors: [ActorSpec(Reader(), count: 2), ActorSpec(Reader(), name: "reader1")])
        #expect(throws: BuildError.self) { try tasks.build(strategy: PutAndWait(), parameters: [:]) }
    }
}
