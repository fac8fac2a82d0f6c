// When an exhaustive search may call itself a proof: only a whole,
// uninterrupted, uncut search of a scenario with tasks, in which no fair
// cycle keeps a task from finishing. Everything else says what it is.

import Foundation
import Synchronization
import Testing
import PagewaitCore
@testable import PagewaitPlugins

/// Spins forever: `pause`, and again.
struct Spinner: ProgramActor {
    var name: String { "spinner" }
    var summary: String { "pause forever" }
    var reference: String { "" }
    var parameters: Parameters { [:] }
    func program(_ context: ActorContext) throws(BuildError) -> Program {
        try build("spinner") { b in
            let top = b.label()
            b.function("spin") { b in
                b.bind(top)
                b.emit(.pause)
                b.jump(to: top)
            }
        }
    }
}

/// One step of its own, then done.
struct OneShot: ProgramActor {
    var name: String { "oneshot" }
    var summary: String { "one pause" }
    var reference: String { "" }
    var parameters: Parameters { [:] }
    func program(_ context: ActorContext) throws(BuildError) -> Program {
        try build("oneshot") { b in b.function("once") { b in b.emit(.pause) } }
    }
}

func customSetup(_ actors: [ActorSpec], _ parameters: Parameters = [:], strategy: String = "put-and-wait") throws -> Setup {
    try ScenarioSpec(name: "custom", summary: "", parameters: ["mappings": 1], actors: actors)
        .build(strategy: try registry.strategy(strategy), parameters: parameters)
}

func exploreOutcome(_ setup: Setup, jobs: Int = 1, sleepSets: Bool = true, shard: Shard = .whole, budget: Int? = nil,
                    cancelled: @escaping @Sendable () -> Bool = { false }) -> ExplorationOutcome {
    var request = ExplorationRequest()
    request.jobs = jobs
    request.sleepSets = sleepSets
    request.shard = shard
    request.budget = budget
    return setup.explore(request, cancelled: cancelled)
}

@Suite("Exploration verdicts: when a search is a proof")
struct ExplorationVerdictTests {
    @Test("a part of a split search is never a proof, not even an empty part; the whole search is")
    func shardIsNoProof() throws {
        let setup = try registry.scenario("reclaim-race").build(strategy: try registry.strategy("put-and-wait"), parameters: ["passes": 2])
        let part = exploreOutcome(setup, shard: Shard(999_999, of: 1_000_000))
        #expect(part.violation == nil && part.states > 0)
        #expect(part.verdict == .shard(Shard(999_999, of: 1_000_000)))
        let whole = exploreOutcome(setup)
        #expect(whole.verdict == .proof)
        // The example of the report: an empty part of a search that fails.
        let failing = try registry.scenario("reclaim-race").build(strategy: try registry.strategy("put-and-wait-unlockless"), parameters: [:])
        let empty = exploreOutcome(failing, shard: Shard(999_999, of: 1_000_000))
        #expect(empty.violation == nil && empty.verdict == .shard(Shard(999_999, of: 1_000_000)))
    }

    @Test("a scenario with no tasks has nothing to check, never a proof: scenarios refuse to build one, and a search of one is no proof")
    func zeroTasks() throws {
        #expect(throws: BuildError.self) {
            try registry.scenario("fairness").build(strategy: try registry.strategy("legacy"), parameters: ["lockers": 0, "stealers": 0])
        }
        // A search that saw no task (a setup built some other way) is never
        // a proof, whatever else it says.
        var o = ExplorationOutcome()
        o.states = 1
        o.complete = true
        o.termination = .acyclic
        o.tasks = 0
        #expect(ExplorationVerdict(o) == .nothingToCheck && !ExplorationVerdict(o).isProof)
        o.tasks = 1
        #expect(ExplorationVerdict(o) == .proof)
    }

    @Test("a state budget makes a bounded search, and the budget holds on two threads", arguments: [1, 2])
    func budgetIsBounded(jobs: Int) throws {
        let setup = try registry.scenario("reclaim-race").build(strategy: try registry.strategy("put-and-wait"), parameters: [:])
        let o = exploreOutcome(setup, jobs: jobs, budget: 5_000)
        #expect(o.states <= 5_000 && o.states > 4_000)
        #expect(o.verdict == .bounded(depthCuts: 0, preemptionCuts: 0, stateLimit: true))
    }

    @Test("an interrupted search stops, says so and is never a proof", arguments: [1, 2])
    func interrupted(jobs: Int) throws {
        let setup = try registry.scenario("reclaim-race").build(strategy: try registry.strategy("put-and-wait"), parameters: [:])
        let polls = Atomic<Int>(0)
        let o = exploreOutcome(setup, jobs: jobs) { polls.add(1, ordering: .relaxed).newValue > 2_000 }
        #expect(o.interrupted && o.verdict == .interrupted)
        #expect(o.states < 121_941)
        let r = ExhaustiveExplorer(setup: setup, makeCheckers: { Checkers.forExploration(setup) }).explore(cancelled: { true })
        #expect(r.interrupted && !r.complete)
    }

    @Test("a task that spins forever alone is a NON_TERMINATION, with a schedule replay judges the same, on any threads and reductions",
          arguments: [(1, true), (1, false), (2, true), (2, false)])
    func lonelySpinner(jobs: Int, sleepSets: Bool) throws {
        let setup = try customSetup([ActorSpec(HotRemover())])
        let o = exploreOutcome(setup, jobs: jobs, sleepSets: sleepSets)
        let v = try #require(o.violation)
        #expect(v.kind == .nonTermination && o.verdict == .violation(.nonTermination))
        let schedule = try #require(o.best)
        let replay = try setup.replayReport(ReplayRequest(schedule: schedule), scenario: "custom", strategy: "put-and-wait")
        #expect(replay.outcome.violation?.kind == .nonTermination)
        #expect(replay.outcome.violation?.description == v.description)
    }

    @Test("two tasks spinning independently: the fair cycle needs both to step, and a one-shot task finishing first must not hide it",
          arguments: [true, false])
    func fairCycleNeedsEveryRunnableTask(sleepSets: Bool) throws {
        for actors in [[ActorSpec(Spinner(), count: 2)], [ActorSpec(Spinner()), ActorSpec(OneShot())]] {
            let setup = try customSetup(actors)
            let o = exploreOutcome(setup, jobs: 1, sleepSets: sleepSets)
            let v = try #require(o.violation, "\(actors.map(\.name))")
            #expect(v.kind == .nonTermination)
            let schedule = try #require(o.best)
            #expect(setup.nonTermination(schedule)?.kind == .nonTermination)
            // The cycle lets every task that can run throughout it run.
            if actors.count == 1 {
                let start = v.detail.firstRange(of: "from step ").map { v.detail[$0.upperBound...].prefix { $0.isNumber } }.flatMap { Int($0) }
                let cycle = schedule.steps[(start ?? 0)...]
                #expect(Set(cycle) == [0, 1], "\(schedule)")
            }
        }
    }

    @Test("a spinner waiting for the offliner loops only while the offliner could run and is not scheduled: no fair cycle, a proof")
    func unfairSpinIsNoViolation() throws {
        let setup = try customSetup([ActorSpec(Offliner()), ActorSpec(HotRemover())])
        for (jobs, sleepSets) in [(1, true), (1, false), (2, true)] {
            let o = exploreOutcome(setup, jobs: jobs, sleepSets: sleepSets)
            #expect(o.violation == nil, "\(o.violation.map { "\($0)" } ?? "")")
            #expect(o.termination == .noFairCycle && o.verdict == .proof, "jobs \(jobs), sleep sets \(sleepSets)")
        }
    }

    @Test("a schedule that does not end in a state it was in before, or whose cycle starves a runnable task, is no NON_TERMINATION")
    func judgeRefusesUnfairOrOpenSchedules() throws {
        // A spinner's every step comes back to the state before it.
        let setup = try customSetup([ActorSpec(Spinner(), count: 2)])
        // Task 0 loops while task 1 could run throughout: unfair.
        #expect(setup.nonTermination(Schedule([0])) == nil)
        #expect(setup.nonTermination(Schedule([0, 0])) == nil)
        #expect(setup.nonTermination(Schedule([0, 1])) != nil)
        // The hot-remover's first step leaves its start: no cycle yet.
        let alone = try customSetup([ActorSpec(HotRemover())])
        #expect(alone.nonTermination(Schedule([0])) == nil)
        #expect(alone.nonTermination(Schedule([0, 0])) != nil)
    }

    @Test("the word 'proof' is printed by the verdict alone")
    func oneProofPrinter() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var offenders: [String] = []
        for dir in ["Apps", "Plugins"] {
            let files = FileManager.default.enumerator(atPath: root.appendingPathComponent(dir).path)?.compactMap { $0 as? String } ?? []
            for f in files where f.hasSuffix(".swift") && !f.hasSuffix("Exploration/Verdict.swift") {
                let text = try String(contentsOf: root.appendingPathComponent(dir).appendingPathComponent(f), encoding: .utf8)
                for line in text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//")
                    && (line.contains("a proof for") || line.contains("\"proof\"")) {
                    offenders.append("\(dir)/\(f): \(line)")
                }
            }
        }
        #expect(offenders.isEmpty, "\(offenders)")
    }
}
