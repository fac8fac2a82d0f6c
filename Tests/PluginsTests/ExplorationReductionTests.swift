// The reductions of exhaustive exploration may prune transitions, never
// states: every built-in scenario under every built-in strategy, at a small
// scope, reaches the same set of states with and without sleep sets, and on
// one thread or two.

import Synchronization
import Testing
import PagewaitCore
@testable import PagewaitPlugins

/// Small scopes: every actor of the scenario present, touches > 0 where a
/// faulter touches the page more than once.
let reductionScopes: [String: Parameters] = [
    "migrate-vs-faulters": ["mappings": 1, "faulters": 1, "passes": 2, "touches": 1],
    "offline": ["mappings": 1, "faulters": 1, "passes": 1, "budget": 2, "touches": 1],
    "reclaim-race": ["passes": 1, "touches": 1],
    "reuse": ["passes": 2, "touches": 1],
    "fairness": ["lockers": 2, "stealers": 1, "iterations": 1],
    "wake-walk": ["readers": 2, "hold": 2],
    "killable-lockers": ["lockers": 0, "hold": 1],
    // The zoo's (FootprintPropertyTests.zooScenarios).
    "thp-numa-fault": ["touches": 1],
    "thp-migrate-vs-faulter": ["passes": 1, "touches": 1],
    "migrate-private": ["passes": 1, "touches": 1, "privateWithoutRef": 1],
    "device-split": ["touches": 1, "splitFixup": 0],
    // Z19's, at a scope small enough for every strategy: one killed locker.
    "two-killed-lockers": ["hold": 0, "killables": 1, "lockers": 0],
    // Sleeping locks: Z14's cycle, and mutex/rwsem contention.
    "multi-lock": [:],
    "sleeping-locks": [:],
    // Z15's, under full preemption (where the reductions are on), with the
    // cond_resched() point: per-CPU work items and their kworkers.
    "z15-hmm-drain": ["preemption": 2, "resched": 1],
    // Z5's: a holder's unlock against a locker, every strategy (the
    // separate-waiters ones unlock with a store and a load of their own).
    "z5-unlock-vs-waiter": [:],
]

/// The fingerprints of every state the search reaches, going on past
/// violations (a violating step or end is a leaf), so that searches that
/// meet states in different orders can be compared.
func reachableStates(_ setup: Setup, sleepSets: Bool, jobs: Int) -> Set<UInt64> {
    let seen = Mutex<Set<UInt64>>([])
    var explorer = ExhaustiveExplorer(setup: setup, bounds: ExplorationBounds(sleepSets: sleepSets),
                                      makeCheckers: { Checkers.forExploration(setup) })
    explorer.observe = { key, _ in seen.withLock { s in _ = s.insert(key) } }
    explorer.passViolations = true
    let r = explorer.run(jobs: jobs)
    #expect(r.complete)
    return seen.withLock { $0 }
}

@Suite("Exploration reductions")
struct ExplorationReductionTests {
    /// The zoo's scenarios whose new wait-core phases (the exclusive-abort
    /// rules) every strategy's search must reduce soundly.
    static let zooScenarios = ["two-killed-lockers", "z15-hmm-drain", "z5-unlock-vs-waiter"]

    @Test("sleep sets and threads never lose a state: the same reachable set with and without them, for every strategy",
          arguments: BuiltinScenarios.all.map(\.name) + Self.zooScenarios)
    func sameReachableStates(scenario: String) throws {
        for (name, setup) in try smallScopeSetups(scenario) {
            let full = reachableStates(setup, sleepSets: false, jobs: 1)
            let pruned = reachableStates(setup, sleepSets: true, jobs: 1)
            let threaded = reachableStates(setup, sleepSets: true, jobs: 2)
            #expect(full.count > 1)
            for (what, set) in [("sleep sets", pruned), ("sleep sets on 2 threads", threaded)] {
                let lost = full.subtracting(set).count, extra = set.subtracting(full).count
                #expect(lost == 0 && extra == 0, "\(scenario) under \(name) with \(what): \(lost) of \(full.count) states lost, \(extra) extra")
            }
        }
    }
}

/// `scenario` at its small scope (`reductionScopes`), under every
/// registered strategy.
func smallScopeSetups(_ scenario: String) throws -> [(strategy: String, setup: Setup)] {
    let spec = try #require((BuiltinScenarios.all + ZooEntries.scenarios).first { $0.name == scenario })
    let scope = try #require(reductionScopes[scenario], "no small scope for \(scenario)")
    return try registry.names(.strategy).map { ($0, try spec.build(strategy: try registry.strategy($0), parameters: scope)) }
}

/// What a search reaches, going on past violations: every stored state,
/// the states where no task can step, and the kinds of violation met.
struct SearchSummary {
    var states: Set<UInt64> = []
    var ends: Set<UInt64> = []
    var findings: Set<String> = []
    var result: ExplorationResult
}

func summarise(_ setup: Setup, _ bounds: ExplorationBounds) -> SearchSummary {
    let seen = Mutex<(states: Set<UInt64>, ends: Set<UInt64>, findings: Set<String>)>(([], [], []))
    var explorer = ExhaustiveExplorer(setup: setup, bounds: bounds, makeCheckers: { Checkers.forExploration(setup) })
    explorer.observe = { key, _ in seen.withLock { _ = $0.states.insert(key) } }
    explorer.observeEnd = { key in seen.withLock { _ = $0.ends.insert(key) } }
    explorer.observeViolation = { v in seen.withLock { _ = $0.findings.insert(v.kind.rawValue) } }
    explorer.passViolations = true
    let r = explorer.explore()
    let s = seen.withLock { $0 }
    return SearchSummary(states: s.states, ends: s.ends, findings: s.findings, result: r)
}

@Suite("Step merging")
struct StepMergingTests {
    /// Merging keeps every end state and every kind of finding, and stores
    /// only states the unmerged search reaches too (each merged transition
    /// is a real run of steps).
    @Test("taking transactions as one transition keeps every end state and every finding, for every strategy",
          arguments: BuiltinScenarios.all.map(\.name) + ExplorationReductionTests.zooScenarios)
    func sameEndsAndFindings(scenario: String) throws {
        var mergedSomewhere = false
        for (name, setup) in try smallScopeSetups(scenario) {
            let full = summarise(setup, ExplorationBounds(stepMerging: false))
            let merged = summarise(setup, ExplorationBounds(stepMerging: true))
            #expect(full.result.complete && merged.result.complete)
            #expect(full.result.mergedSteps == 0)
            mergedSomewhere = mergedSomewhere || merged.result.mergedSteps > 0
            let what = "\(scenario) under \(name)"
            #expect(merged.ends == full.ends, "\(what): \(full.ends.subtracting(merged.ends).count) end states lost, \(merged.ends.subtracting(full.ends).count) extra")
            #expect(merged.findings == full.findings, "\(what): findings \(full.findings.sorted()) without merging, \(merged.findings.sorted()) with")
            #expect(merged.states.isSubset(of: full.states), "\(what): \(merged.states.subtracting(full.states).count) states the unmerged search never reaches")
            #expect(merged.states.count <= full.states.count)
            // The fair-cycle search merges too, and must decide the same.
            // (.acyclic and .noFairCycle both say every run ends: which one a
            // search says depends on whether it met a revisit.)
            func ends(_ t: Termination) -> Bool { t == .acyclic || t == .noFairCycle }
            #expect(ends(merged.result.termination) == ends(full.result.termination),
                    "\(what): termination \(full.result.termination) without merging, \(merged.result.termination) with")
            #expect(merged.result.violation?.kind == full.result.violation?.kind, "\(what)")
        }
        // Every scenario here has a lock taken and released, or a pause.
        #expect(mergedSomewhere, "\(scenario): no strategy's search merged a step")
    }
}

/// Takes ptl 0, pauses, drops it, and again, for ever.
struct LockLooper: ProgramActor {
    var name: String { "looper" }
    var summary: String { "spin_lock; pause; spin_unlock; forever" }
    var reference: String { "" }
    var parameters: Parameters { [:] }
    func program(_ context: ActorContext) throws(BuildError) -> Program {
        try build("looper") { b in
            let top = b.label()
            b.function("loop") { b in
                b.bind(top)
                b.emit(.spinLock(LockID(.ptl, 0)))
                b.emit(.pause)
                b.emit(.spinUnlock(LockID(.ptl, 0)))
                b.jump(to: top)
            }
        }
    }
}

/// Takes ptl 0, pauses, drops it, and again, until `done` is bumped.
struct LockLooperUntilDone: ProgramActor {
    var name: String { "looper-until-done" }
    var summary: String { "spin_lock; pause; spin_unlock; until done" }
    var reference: String { "" }
    var parameters: Parameters { [:] }
    func program(_ context: ActorContext) throws(BuildError) -> Program {
        try build("looper-until-done") { b in
            let top = b.label(), out = b.label()
            b.function("loop") { b in
                b.bind(top)
                b.emit(.readCounter(Counter.done.rawValue, into: 0))
                b.branch(0, .notEqual, 0, to: out)
                b.emit(.spinLock(LockID(.ptl, 0)))
                b.emit(.pause)
                b.emit(.spinUnlock(LockID(.ptl, 0)))
                b.jump(to: top)
                b.bind(out)
            }
        }
    }
}

/// Takes ptl 0 once, drops it, and bumps `done`.
struct LockOnce: ProgramActor {
    var name: String { "once" }
    var summary: String { "spin_lock; spin_unlock; done" }
    var reference: String { "" }
    var parameters: Parameters { [:] }
    func program(_ context: ActorContext) throws(BuildError) -> Program {
        try build("once") { b in
            b.function("once") { b in
                b.emit(.spinLock(LockID(.ptl, 0)))
                b.emit(.spinUnlock(LockID(.ptl, 0)))
                b.emit(.count(Counter.done.rawValue))
            }
        }
    }
}

extension StepMergingTests {
    /// The looper's lock keeps the one-shot task from running only inside
    /// the looper's transaction (lock, pause, unlock), and the looper stops
    /// once that task has run: the only fair cycle starves the one-shot task
    /// where the lock is held. A merged search must excuse it there, or it
    /// misses the cycle.
    @Test("a task kept from running only inside another's transaction is excused there: the fair cycle is found merged and unmerged")
    func fairCycleThroughATransaction() throws {
        for actors in [[ActorSpec(LockLooperUntilDone()), ActorSpec(LockOnce())], [ActorSpec(LockLooper(), count: 2)], [ActorSpec(Spinner(), count: 2)]] {
            let setup = try customSetup(actors)
            for merging in [false, true] {
                var request = ExplorationRequest()
                request.stepMerging = merging
                let o = setup.explore(request)
                let v = try #require(o.violation, "\(actors.map(\.name)), merging \(merging)")
                #expect(v.kind == .nonTermination)
                let schedule = try #require(o.best)
                #expect(setup.nonTermination(schedule)?.kind == .nonTermination, "\(schedule)")
            }
        }
    }
}

/// Tasks running the same operations, as classes: coarser than the
/// interchangeable tasks, which a quotient's fairness check may use (any
/// partition keeps it sound; a coarser one only answers "inconclusive" more).
func programClasses(_ setup: Setup) -> [TaskSet] {
    var classes: [[Op]: TaskSet] = [:]
    for (t, task) in setup.world.tasks.enumerated() {
        classes[setup.engine.programs[Int(task.program)].instructions.map(\.op), default: TaskSet()].insert(t)
    }
    return classes.values.sorted { $0.nth(0) < $1.nth(0) }
}

@Suite("Fair cycles over classes of tasks")
struct FairCycleClassTests {
    /// The class check alone (the fingerprint as the key: no states merged)
    /// must never call a graph with a fair cycle free of one: "none" from it
    /// is "none" from the exact search, and a fair cycle the exact search
    /// finds is "inconclusive" to it.
    @Test("a search whose fairness check looks only at classes of tasks never misses a fair cycle the exact search finds",
          arguments: BuiltinScenarios.all.map(\.name) + ExplorationReductionTests.zooScenarios)
    func classCheckIsSound(scenario: String) throws {
        for (name, setup) in try smallScopeSetups(scenario) {
            var search = FairCycleSearch(setup: setup, maxDepth: 5_000, maxStates: 5_000_000, stepMerging: true)
            let exact = search.run(cancelled: { false })
            let engine = setup.engine
            search.symmetry = ({ engine.fingerprint($0) }, programClasses(setup))
            let classes = search.run(cancelled: { false })
            // And over the quotient graph of the interchangeable tasks.
            search.symmetry = TaskSymmetry(setup: setup).quotient(of: setup)
            let quotient = search.symmetry == nil ? exact : search.run(cancelled: { false })
            for (what, r) in [("over classes", classes), ("over the quotient", quotient)] {
                switch (exact, r) {
                case (.none, .none), (.none, .inconclusive), (.fair, .inconclusive), (.fair, .fair): break
                default: Issue.record("\(scenario) under \(name): exact \(exact), \(what) \(r)")
                }
            }
        }
    }

    /// The explorer's quotient search (`FairCycleSearch.quotient`) lifts a
    /// component it cannot settle over classes to the actual graph, so it
    /// must answer exactly as the search without symmetry: a fair cycle
    /// where that one finds one (with a schedule `replay` judges
    /// NON_TERMINATION too), none where it finds none.
    @Test("the quotient search, lifting what classes cannot settle, finds a fair cycle exactly when the search without symmetry does",
          arguments: [false, true])
    func liftedQuotientDecides(deadVariables: Bool) throws {
        var setups = try (BuiltinScenarios.all.map(\.name) + ExplorationReductionTests.zooScenarios).flatMap { try smallScopeSetups($0) }
        setups += [("two spinners", try customSetup([ActorSpec(Spinner(), count: 2)])),
                   ("three spinners", try customSetup([ActorSpec(Spinner(), count: 3)])),
                   ("two loopers and a one-shot locker", try customSetup([ActorSpec(LockLooperUntilDone(), count: 2), ActorSpec(LockOnce())]))]
        // Two faulters: the reclaimer's retry loop makes components the
        // class check cannot settle, and lifting finds no fair cycle in them.
        let reclaimRace = try #require(BuiltinScenarios.all.first { $0.name == "reclaim-race" })
        for strategy in ["put-and-wait", "legacy"] {
            setups.append(("reclaim-race, 2 faulters, \(strategy)", try reclaimRace.build(
                strategy: try registry.strategy(strategy), parameters: ["faulters": 2, "passes": 2, "touches": 1])))
        }
        var liftedNone = 0, liftedFair = 0
        for (name, setup) in setups {
            let symmetry = TaskSymmetry(setup: setup)
            guard !symmetry.groups.isEmpty else { continue }
            var search = FairCycleSearch(setup: setup, maxDepth: 5_000, maxStates: 5_000_000, stepMerging: true, deadVariables: deadVariables)
            let exact = search.run(cancelled: { false })
            search.quotient = symmetry
            let quotient = search.run(cancelled: { false })
            // How often the class check alone could not settle it.
            search.quotient = nil
            search.symmetry = symmetry.quotient(of: setup)
            let lifted: Bool
            if case .inconclusive = search.run(cancelled: { false }) { lifted = true } else { lifted = false }
            switch (exact, quotient) {
            case (.none, .none):
                if lifted { liftedNone += 1 }
            case (.fair, .fair(let v, let schedule)):
                if lifted { liftedFair += 1 }
                #expect(v.kind == .nonTermination)
                #expect(setup.nonTermination(schedule) != nil, "\(name): the lifted schedule \(schedule) is no fair cycle")
            default: Issue.record("\(name): without symmetry \(exact), over the quotient \(quotient)")
            }
        }
        // The comparison means something only if lifting met both answers.
        #expect(liftedNone > 0 && liftedFair > 0, "lifted and none: \(liftedNone), lifted and fair: \(liftedFair)")
    }

    @Test("fair cycles (two spinners; a looper starving a one-shot task inside its critical section) are never ruled out over classes; a spinner waiting for the offliner is")
    func classCheckOnCustomScenarios() throws {
        let spinners = try customSetup([ActorSpec(Spinner(), count: 2)])
        let starving = try customSetup([ActorSpec(LockLooperUntilDone()), ActorSpec(LockOnce())])
        let waiting = try customSetup([ActorSpec(Offliner()), ActorSpec(HotRemover())])
        for (setup, expectNone) in [(spinners, false), (starving, false), (waiting, true)] {
            let engine = setup.engine
            var search = FairCycleSearch(setup: setup, maxDepth: 5_000, maxStates: 5_000_000, stepMerging: true)
            search.symmetry = ({ engine.fingerprint($0) }, programClasses(setup))
            let r = search.run(cancelled: { false })
            if expectNone {
                guard case .none = r else { Issue.record("offliner + hotremover over classes: \(r)"); continue }
            } else {
                guard case .inconclusive = r else { Issue.record("two spinners over classes: \(r)"); continue }
            }
        }
    }
}
