// Exhaustive exploration, PCT and shrinking: the verdicts kernel-model
// F3–F8 and §5.9 expect, and that every reported schedule replays to the
// same violation.

import Testing
import PagewaitCore
import PagewaitPlugins

/// `noref` with the old unlockless reclaim: an ablation kernel-model F3 asks
/// the model to settle rather than assume.
struct NoRefUnlockless: AxisStrategy {
    var name: String { "noref-unlockless" }
    var summary: String { "ablation: noref with unlockless reclaim" }
    var reference: String { "" }
    var axes: StrategyAxes { StrategyAxes(core: .v5_9(unfairness: 5), fault: .noref, reclaim: .unlockless) }
}

func explore(_ scenario: String, _ strategy: any Strategy, _ parameters: Parameters = [:], sleepSets: Bool = true,
             shards: [Shard] = [.whole]) throws -> (result: ExplorationResult, setup: Setup) {
    let setup = try registry.scenario(scenario).build(strategy: strategy, parameters: parameters)
    let explorer = ExhaustiveExplorer(setup: setup, bounds: ExplorationBounds(maxStates: 3_000_000, sleepSets: sleepSets),
                                      makeCheckers: { Checkers.forExploration(setup) })
    return (explorer.run(shards: shards, jobs: 2), setup)
}

/// Strict replay of `schedule` with the standard checkers.
func replayViolation(_ setup: Setup, _ schedule: Schedule) -> Violation? {
    setup.engine.replay(setup.world, schedule: schedule, checkers: Checkers.standard(for: setup)).violation
}

@Suite("Exploration verdicts")
struct ExplorationTests {
    @Test("reclaim-race, exhaustive: put-and-wait with unlockless reclaim strands its faulter (F3): the found and the shrunk schedules replay to the same violation")
    func unlocklessStrandsTheFaulter() throws {
        let (r, setup) = try explore("reclaim-race", PutAndWaitUnlockless())
        let v = try #require(r.violation)
        #expect([ViolationKind.waitersUnsound, .lostWakeup].contains(v.kind), "\(v)")
        let found = try #require(r.schedule)
        #expect(replayViolation(setup, found)?.kind == v.kind)
        let shrinker = ScheduleShrinker(setup: setup, makeCheckers: { Checkers.standard(for: setup) })
        let (minimal, mv) = try #require(shrinker.shrink(found))
        #expect(mv.kind == v.kind && minimal.steps.count <= found.steps.count)
        #expect(replayViolation(setup, minimal)?.kind == v.kind, "the minimal schedule replays strictly")
        // Without the PG_waiters diagnostic, the same schedule goes on to the lost wakeup itself.
        let liveness = ScheduleShrinker(setup: setup, makeCheckers: { Checkers.forExploration(setup, waitersDiagnostic: false) })
        #expect(liveness.replay(found.steps).violation?.kind == .lostWakeup)
    }

    @Test("reclaim-race, exhaustive: no violation in any reachable state for the safe combinations (F4, §5.9), and the exploration is complete",
          arguments: ["legacy", "legacy-unlock", "put-and-wait", "put-and-wait-cond", "put-and-wait-waitersref", "noref", "noref-unlockless"])
    func safeCombinations(strategy: String) throws {
        let s: any Strategy = strategy == "noref-unlockless" ? NoRefUnlockless() : try registry.resolveStrategy(strategy)
        let (r, _) = try explore("reclaim-race", s)
        #expect(r.violation == nil, "\(r.violation.map { "\($0)" } ?? "")")
        #expect(r.complete)
        #expect(r.states > 1000, "the space was really explored")
    }

    @Test("sleep sets prune transitions but never states: the same number of distinct states with and without them")
    func sleepSetsKeepEveryState() throws {
        let with = try explore("reclaim-race", Legacy(), shards: [.whole]).result
        let without = try explore("reclaim-race", Legacy(), sleepSets: false, shards: [.whole]).result
        #expect(with.states == without.states)
        #expect(with.transitions < without.transitions)
        #expect(with.sleptTransitions > 0)
    }

    @Test("threads share one visited store: 1, 2 and 3 jobs visit the same states and reach the same complete proof, in at most 16 bytes of store per state",
          arguments: ["legacy", "put-and-wait"])
    func jobsShareTheStore(strategy: String) throws {
        let setup = try registry.scenario("reclaim-race").build(strategy: try registry.resolveStrategy(strategy), parameters: [:])
        let explorer = ExhaustiveExplorer(setup: setup, makeCheckers: { Checkers.forExploration(setup) })
        let runs = [1, 2, 3].map { explorer.run(shard: .whole, jobs: $0) }
        for (jobs, r) in zip([1, 2, 3], runs) {
            #expect(r.violation == nil && r.complete, "jobs \(jobs)")
            #expect(r.states == runs[0].states, "jobs \(jobs): \(r.states) states, \(runs[0].states) with one")
        }
        #expect(runs[0].storeBytes <= 16 * runs[0].states)
    }

    @Test("sharding: the parts of a split exploration reach the verdict of the whole, found or not")
    func shardsMerge() throws {
        let halves = [Shard(0, of: 2), Shard(1, of: 2)]
        let safe = try explore("reclaim-race", PutAndWait(), shards: halves).result
        #expect(safe.violation == nil && safe.complete && safe.shards == 2)
        let bad = try explore("reclaim-race", PutAndWaitUnlockless(), shards: halves).result
        #expect(bad.violation != nil)
        // Deterministic: the same split gives the same schedule.
        let again = try explore("reclaim-race", PutAndWaitUnlockless(), shards: halves).result
        #expect(again.schedule == bad.schedule)
    }

    @Test("reuse, exhaustive: DROP that loops or puts early touches a page it no longer pins (F5, F6); the real DROP does not",
          arguments: [("drop-loops", true), ("drop-early-put", true), ("put-and-wait", false)])
    func dropAblations(strategy: String, fails: Bool) throws {
        let (r, setup) = try explore("reuse", try registry.resolveStrategy(strategy))
        if fails {
            let v = try #require(r.violation)
            #expect([ViolationKind.unsafeAccess, .wrongUsage, .fatalUAF].contains(v.kind), "\(v)")
            #expect(replayViolation(setup, try #require(r.schedule))?.kind == v.kind)
        } else {
            #expect(r.violation == nil && r.complete)
        }
    }

    @Test("killable-lockers, exhaustive (F8): the v4.19 core leaves B asleep on an unlocked page; the fair rewrite and unfair-0 (handoff on the first queueing) never do")
    func killableExclusiveLostWakeup() throws {
        for s in ["legacy", "put-and-wait"] {
            let (r, setup) = try explore("killable-lockers", try registry.resolveStrategy(s))
            let v = try #require(r.violation, "\(s)")
            #expect(v.kind == .lostWakeup || v.kind == .hang)
            #expect(replayViolation(setup, try #require(r.schedule))?.kind == v.kind)
        }
        for s in ["rewrite-fair", "unfair-0"] {
            let (r, _) = try explore("killable-lockers", try registry.resolveStrategy(s))
            #expect(r.violation == nil && r.complete, "\(s): \(r.violation.map { "\($0)" } ?? "")")
        }
    }

    @Test("killable-lockers under unfair-5: a killed exclusive waiter woken between its signal check and finish_wait returns -EINTR holding no lock, and the waiter behind it sleeps on an unlocked page — as 5ef64cc8987a's code reads (the kernel comment: 'The next wakeup will take care of it'), contrary to kernel-model F8's expectation")
    func unfairKillableFinding() throws {
        let (r, setup) = try explore("killable-lockers", Unfair(unfairness: 5))
        let v = try #require(r.violation)
        #expect(v.kind == .lostWakeup)
        #expect(replayViolation(setup, try #require(r.schedule))?.kind == .lostWakeup)
    }

    @Test("PCT finds DROP-that-loops touching a page it no longer pins (F5) within 500 runs at depth 3; the same runs find nothing under put-and-wait")
    func pctFindsUseAfterPut() throws {
        func search(_ s: any Strategy) throws -> Int? {
            let setup = try registry.scenario("reuse").build(strategy: s, parameters: [:])
            for seed in UInt64(1)...500 {
                var sched = PCTSchedulerPlugin().make(seed: seed, for: setup, depth: 3, length: 1000)
                var checkers = Checkers.standard(for: setup)
                if setup.engine.run(setup.world, scheduler: &sched, checkers: &checkers).violation != nil { return Int(seed) }
            }
            return nil
        }
        #expect(try search(DropLoopsStrategy()) != nil)
        #expect(try search(PutAndWait()) == nil)
    }

    @Test("shrinking keeps the violation kind and never lengthens the schedule; a schedule that does not fail is not shrunk")
    func shrinkerContract() throws {
        let setup = try registry.scenario("killable-lockers").build(strategy: Legacy(), parameters: [:])
        let shrinker = ScheduleShrinker(setup: setup, makeCheckers: { Checkers.standard(for: setup) })
        let (r, _) = try explore("killable-lockers", Legacy())
        let found = try #require(r.schedule)
        // Pad the found schedule with choices that change nothing useful.
        let padded = Schedule(found.steps + Array(repeating: 0, count: 40))
        let (minimal, v) = try #require(shrinker.shrink(padded))
        #expect(v.kind == r.violation?.kind)
        #expect(minimal.steps.count <= found.steps.count)
        let safe = try registry.scenario("killable-lockers").build(strategy: RewriteFair(), parameters: [:])
        let s2 = ScheduleShrinker(setup: safe, makeCheckers: { Checkers.standard(for: safe) })
        #expect(s2.shrink(found) == nil)
    }
}
