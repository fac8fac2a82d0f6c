// The symmetry reduction of exhaustive exploration: renaming interchangeable
// tasks commutes with stepping, the key of a state's orbit loses no state
// and adds none, sleep sets survive the translation into the key's
// numbering, and a violation found with it is a schedule of the actual
// tasks.

import Synchronization
import Testing
@testable import PagewaitCore
@testable import PagewaitPlugins

/// Scenarios with identical tasks, at scopes small enough to walk.
let symmetryScopes: [(scenario: String, strategy: String, parameters: Parameters)] = [
    ("reclaim-race", "noref", ["faulters": 2, "passes": 1, "touches": 1, "think": 0]),
    ("reclaim-race", "legacy", ["faulters": 3, "passes": 1, "touches": 1, "think": 0, "migrators": 0]),
    ("wake-walk", "legacy", ["readers": 2, "hold": 1, "delay": 2]),
    ("fairness", "put-and-wait", ["lockers": 3, "stealers": 0, "iterations": 1]),
    ("fairness", "unfair-5", ["lockers": 2, "stealers": 0, "iterations": 2]),
    ("killable-lockers", "unfair-5", ["lockers": 2, "hold": 0, "stealers": 0]),
    ("two-killed-lockers", "unfair-5", ["hold": 0, "lockers": 2, "killables": 1]),
    ("sleeping-locks", "legacy", [:]),
    // Two spinners sharing a CPU: which of them the CPU runs is state.
    ("z15-hmm-drain", "noref", ["hmm-faulters": 2, "resched": 1, "preemption": 1]),
    ("z15-hmm-drain", "noref", ["hmm-faulters": 2, "resched": 0, "preemption": 0]),
]

func buildAny(_ scenario: String, _ strategy: String, _ parameters: Parameters) throws -> Setup {
    let spec = try #require((BuiltinScenarios.all + ZooEntries.scenarios).first { $0.name == scenario })
    return try spec.build(strategy: try registry.resolveStrategy(strategy), parameters: parameters)
}

/// Up to `limit` states reachable from the setup's world, breadth first,
/// without reductions.
func sampleStates(_ setup: Setup, limit: Int) -> [World] {
    var seen: Set<UInt64> = [setup.engine.fingerprint(setup.world)]
    var out = [setup.world]
    var i = 0
    while i < out.count && out.count < limit {
        let w = out[i]
        i += 1
        for t in setup.engine.runnableTasks(w) {
            var next = w
            guard (try? setup.engine.step(&next, task: t)) != nil else { continue }
            if seen.insert(setup.engine.fingerprint(next)).inserted { out.append(next) }
        }
    }
    return out
}

/// Every renaming of one group's tasks among themselves (all orders for a
/// group of up to four, else its transpositions and a rotation).
func groupRenamings(_ groups: [[Int]], tasks n: Int) -> [TaskPermutation] {
    var out: [TaskPermutation] = []
    for g in groups {
        let orders: [[Int]] = g.count <= 4 ? TaskSymmetry.permutations(g)
            : (1..<g.count).map { k in var o = g; o.swapAt(0, k); return o } + [Array(g.dropFirst()) + [g[0]]]
        for order in orders {
            var image = Array(0..<n)
            for (t, to) in zip(g, order) { image[t] = to }
            let p = TaskPermutation(image)
            if !p.isIdentity { out.append(p) }
        }
    }
    return out
}

/// A world with every field that can hold a task number holding one, so
/// that reflection sees each: both kinds of frame, a queue item, owners.
func worldNamingTasks() -> World {
    var w = World(pages: 1, tasks: [TaskState(program: 0), TaskState(program: 0), TaskState(program: 0)])
    w.pages[0].frozenBy = TaskID(0)
    w.pages[0].isolatedBy = TaskID(0)
    w.pages[0].lockOwner = TaskID(0)
    w.pages[0].writebackBy = TaskID(0)
    w.queue = [QueueItem(bucket: 0, task: TaskID(0), isBookmark: false)]
    w.tasks[0].frame = .wait(WaitFrame())
    var f = WakeFrame()
    f.next = TaskID(0)
    f.woken = TaskSet([0])
    w.tasks[1].frame = .wake(f)
    w.refs[0] = 1
    // A store task 0 still has buffered (`--memory tso`).
    w.storeBuffers.append(PendingStore(location: .flags(pfn: PFN(0)), value: .flags(.locked)), task: 0, taskCount: 3)
    return w
}

/// The paths of every `TaskID` and `TaskSet` in `value`, with their values.
func taskNumbers(in value: Any, at path: String = "") -> [(path: String, tasks: [Int])] {
    if let t = value as? TaskID { return [(path, [t.index])] }
    if let s = value as? TaskSet { return [(path, Array(s))] }
    var out: [(String, [Int])] = []
    let m = Mirror(reflecting: value)
    let isList = m.displayStyle == .collection
    for child in m.children {
        let name = isList ? "[]" : (child.label ?? "?")
        out += taskNumbers(in: child.value, at: path.isEmpty ? name : "\(path).\(name)")
    }
    return out
}

@Suite("Symmetry")
struct SymmetryTests {
    @Test("every field of a world that holds a task number is one renamingTasks renames")
    func everyTaskNumberRenamed() {
        let w = worldNamingTasks()
        let found = taskNumbers(in: w)
        // Reflection sees each of these and nothing else: a new field that
        // holds a TaskID or a TaskSet shows up here and must be renamed.
        let renamed: Set<String> = ["pages.[].frozenBy", "pages.[].isolatedBy", "pages.[].lockOwner", "pages.[].writebackBy",
                                    "tasks.[].frame.wake.next", "tasks.[].frame.wake.woken", "queue.[].task", "storeBuffers.nonEmpty"]
        #expect(Set(found.map(\.path)) == renamed)
        // Swap tasks 0 and 1: every 0 becomes 1.
        let swapped = w.renamingTasks(TaskPermutation([1, 0, 2]))
        for (path, tasks) in taskNumbers(in: swapped) {
            #expect(tasks == [1], "\(path) still names \(tasks) after renaming task 0 to 1")
        }
        // The ledger row moved with its task, the programs stayed in place.
        #expect(swapped.references(of: 1, on: 0) == 1 && swapped.references(of: 0, on: 0) == 0)
        #expect(swapped.tasks[0].frame.kind == .wake && swapped.tasks[1].frame.kind == .wait)
        #expect(swapped.renamingTasks(TaskPermutation([1, 0, 2])) == w)
    }

    @Test("the groups: identical tasks, less any an operation names by number", arguments: symmetryScopes.indices)
    func groups(index: Int) throws {
        let (scenario, strategy, parameters) = symmetryScopes[index]
        let setup = try buildAny(scenario, strategy, parameters)
        let groups = TaskSymmetry(setup: setup).groups
        let named = TaskSymmetry.namedTasks(setup.engine)
        for g in groups {
            #expect(g.count > 1)
            for t in g {
                #expect(!named.contains(t))
                #expect(setup.engine.sameOperations(Int(setup.world.tasks[t].program), Int(setup.world.tasks[g[0]].program)))
                #expect(setup.taskNames[t].dropLast(1) == setup.taskNames[g[0]].dropLast(1))
            }
        }
        if scenario == "two-killed-lockers" || scenario == "killable-lockers" {
            // The signalled lockers are named by a send_sig: never in a group.
            #expect(!named.isEmpty && groups.allSatisfy { $0.allSatisfy { !named.contains($0) } })
        } else {
            #expect(!groups.isEmpty, "\(scenario): no interchangeable tasks")
        }
    }

    /// Renaming commutes with everything the explorer asks of a state.
    @Test("renaming identical tasks commutes with stepping, runnability, footprints and the checkers",
          arguments: symmetryScopes.indices)
    func renamingCommutes(index: Int) throws {
        let (scenario, strategy, parameters) = symmetryScopes[index]
        let setup = try buildAny(scenario, strategy, parameters)
        let engine = setup.engine
        let groups = TaskSymmetry(setup: setup).groups
        let renamings = groupRenamings(groups, tasks: setup.world.tasks.count)
        var checked = 0
        for w in sampleStates(setup, limit: 150) {
            let runnable = engine.runnableTasks(w)
            for p in renamings {
                let pw = w.renamingTasks(p)
                #expect(engine.runnableTasks(pw) == p(runnable))
                var endA = Checkers.forExploration(setup), endB = Checkers.forExploration(setup)
                if runnable.isEmpty {
                    let end: RunEnd = w.allFinished ? .finished : .quiescent
                    #expect((endA[0].atEnd(end, world: w, engine: engine) == nil) == (endB[0].atEnd(end, world: pw, engine: engine) == nil))
                }
                for t in runnable {
                    for u in runnable where u != t {
                        let a = engine.footprint(of: t, in: w).conflicts(with: engine.footprint(of: u, in: w))
                        let b = engine.footprint(of: p[t], in: pw).conflicts(with: engine.footprint(of: p[u], in: pw))
                        #expect(a == b)
                    }
                    var next = w, pnext = pw
                    let e = Result<StepEvent, Violation>(catching: { () throws(Violation) -> StepEvent in try engine.step(&next, task: t) })
                    let pe = Result<StepEvent, Violation>(catching: { () throws(Violation) -> StepEvent in try engine.step(&pnext, task: p[t]) })
                    switch (e, pe) {
                    case (.success(let ev), .success(let pev)):
                        #expect(pnext == next.renamingTasks(p), "\(scenario): task \(t) renamed by \(p) does not commute")
                        var ca = Checkers.forExploration(setup), cb = Checkers.forExploration(setup)
                        #expect((ca[0].afterStep(ev, world: next, engine: engine) == nil) == (cb[0].afterStep(pev, world: pnext, engine: engine) == nil))
                    case (.failure(let v), .failure(let pv)):
                        #expect(v.kind == pv.kind)
                    default:
                        Issue.record("\(scenario): task \(t) and its renaming \(p[t]) disagree on whether the step fails")
                    }
                    checked += 1
                }
            }
        }
        #expect(groups.isEmpty || checked > 0)
    }
}

/// The keys of every state a search reaches, going on past violations,
/// each with `f` of its world. Dead variables stay in the keys unless
/// asked: symmetry's tests compare keys with `TaskSymmetry.canonical`'s.
func reachedStates<T: Sendable>(_ setup: Setup, symmetry: Bool, sleepSets: Bool = true, deadVariables: Bool = false, jobs: Int = 1,
                                _ f: @escaping @Sendable (World) -> T) -> [UInt64: T] {
    let seen = Mutex<[UInt64: T]>([:])
    var explorer = ExhaustiveExplorer(setup: setup, bounds: ExplorationBounds(sleepSets: sleepSets, symmetry: symmetry,
                                                                              deadVariables: deadVariables),
                                      makeCheckers: { Checkers.forExploration(setup) })
    explorer.observeWorld = { key, w in
        let v = f(w)
        seen.withLock { s in s[key] = v }
    }
    explorer.passViolations = true
    let r = explorer.run(jobs: jobs)
    #expect(r.complete)
    return seen.withLock { $0 }
}

/// The world a path of choices leads to.
func world(after path: [UInt8], in setup: Setup) throws -> World {
    var w = setup.world
    for t in path { _ = try setup.engine.step(&w, task: Int(t)) }
    return w
}

/// With symmetry, the search meets every state's orbit and nothing else:
/// the states reached without it, each taken to its orbit's key, are the
/// keys reached with it.
func expectSameOrbits(_ setup: Setup, _ what: String, jobs: Int = 1) throws {
    let symmetry = TaskSymmetry(setup: setup)
    let full = reachedStates(setup, symmetry: false) { symmetry.canonical($0).key }
    let orbits = Set(full.values)
    // Every key reached with symmetry is the key of the state it was reached at.
    let folded = reachedStates(setup, symmetry: true, jobs: jobs) { symmetry.canonical($0).key }
    #expect(folded.allSatisfy { $0.key == $0.value })
    let keys = Set(folded.keys)
    let lost = orbits.subtracting(keys).count, extra = keys.subtracting(orbits).count
    #expect(lost == 0 && extra == 0, "\(what): \(lost) of \(orbits.count) orbits lost, \(extra) extra (\(full.count) states)")
    if !symmetry.groups.isEmpty { #expect(keys.count < full.count, "\(what): nothing folded") }
}

func outcome(_ setup: Setup, symmetry: Bool) -> ExplorationOutcome {
    var request = ExplorationRequest()
    request.symmetry = symmetry
    request.shrink = false
    return setup.explore(request)
}

@Suite("Symmetry reduction")
struct SymmetryReductionTests {
    @Test("every built-in scenario and strategy: the same verdict with and without symmetry, and the same orbits",
          arguments: BuiltinScenarios.all.map(\.name) + ExplorationReductionTests.zooScenarios)
    func sameOrbitsEveryStrategy(scenario: String) throws {
        let scope = try #require(reductionScopes[scenario], "no small scope for \(scenario)")
        for name in registry.names(.strategy) {
            let setup = try buildAny(scenario, name, scope)
            try expectSameOrbits(setup, "\(scenario) under \(name)")
            let on = outcome(setup, symmetry: true), off = outcome(setup, symmetry: false)
            #expect((on.violation == nil) == (off.violation == nil), "\(scenario) under \(name)")
            if on.violation == nil && off.violation == nil { #expect(on.verdict == off.verdict, "\(scenario) under \(name)") }
        }
    }

    @Test("identical tasks: fewer states, the same orbits, the same verdicts",
          arguments: symmetryScopes.indices)
    func identicalTasks(index: Int) throws {
        let (scenario, strategy, parameters) = symmetryScopes[index]
        let setup = try buildAny(scenario, strategy, parameters)
        try expectSameOrbits(setup, "\(scenario) under \(strategy)")
        let on = outcome(setup, symmetry: true), off = outcome(setup, symmetry: false)
        #expect((on.violation == nil) == (off.violation == nil))
        if on.violation == nil && off.violation == nil { #expect(on.verdict == off.verdict) }
        if !TaskSymmetry(setup: setup).groups.isEmpty && on.complete {
            #expect(on.states < off.states || off.violation != nil)
            #expect(on.symmetryFolds > 0 || off.violation != nil)
        }
    }

    @Test("every built-in strategy on reclaim-race with two and three faulters and wake-walk with three readers")
    func moreFaultersEveryStrategy() throws {
        let scopes: [(String, Parameters, [String]?)] = [
            ("reclaim-race", ["faulters": 2, "passes": 1, "touches": 1, "think": 0], ["noref", "drop-loops", "drop-early-put"]),
            ("wake-walk", ["readers": 2, "hold": 1, "delay": 0], nil),
            ("wake-walk", ["readers": 3, "hold": 0, "delay": 0], ["legacy"]),
        ]
        for (scenario, scope, strategies) in scopes {
            for name in strategies ?? registry.names(.strategy) {
                let setup = try buildAny(scenario, name, scope)
                try expectSameOrbits(setup, "\(scenario) \(scope) under \(name)")
                let on = outcome(setup, symmetry: true), off = outcome(setup, symmetry: false)
                #expect((on.violation == nil) == (off.violation == nil), "\(scenario) under \(name)")
                if on.violation == nil && off.violation == nil { #expect(on.verdict == off.verdict, "\(scenario) under \(name)") }
            }
        }
    }

    /// A state met first with a task asleep and then as a twin with
    /// nothing asleep: the twin must explore the renamed task, the one whose
    /// transition the first visit left out, and nothing else.
    @Test("the store's sleep sets are translated into the key's numbering and back")
    func sleepSetTranslation() throws {
        let setup = try buildAny("reclaim-race", "noref", ["faulters": 2, "passes": 1, "touches": 1, "think": 0])
        let symmetry = TaskSymmetry(setup: setup)
        let group = try #require(symmetry.groups.first)
        var swap = Array(0..<setup.world.tasks.count)
        swap.swapAt(group[0], group[1])
        let p = TaskPermutation(swap)
        // A state where the two faulters differ and both can run.
        let w = try #require(sampleStates(setup, limit: 3000).first { w in
            let r = setup.engine.runnableTasks(w)
            return r.contains(group[0]) && r.contains(group[1]) && w.renamingTasks(p) != w
        })
        let twin = w.renamingTasks(p)
        let (k, r) = symmetry.canonical(w), (k2, r2) = symmetry.canonical(twin)
        #expect(k == k2 && (r == nil) != (r2 == nil))
        for asleep in group {
            let store = VisitedStore()
            let first = TaskSymmetry.fromKey(store.visit(k, sleep: TaskSymmetry.intoKey(TaskSet([asleep]), r), limit: .max), r)
            #expect(first == .new)
            let again = TaskSymmetry.fromKey(store.visit(k2, sleep: TaskSet(), limit: .max), r2)
            #expect(again == .seen(newlyAwake: TaskSet([p[asleep]]), sleep: TaskSet()), "task \(asleep) asleep in the first")
        }
    }

    /// Identical tasks that think (a pause touches nothing) sleep on each
    /// other's steps: there the sleep sets hold group members, and only
    /// their translation into the key's numbering keeps every orbit.
    @Test("sleep sets holding interchangeable tasks are translated: every orbit is still met, on one thread and two")
    func sleepSetsTranslated() throws {
        let scopes: [(String, String, Parameters)] = [
            ("fairness", "put-and-wait", ["lockers": 2, "stealers": 0, "iterations": 2, "think": 2]),
            ("reclaim-race", "drop-loops", ["faulters": 2, "passes": 1, "touches": 2, "think": 2]),
            ("wake-walk", "legacy", ["readers": 2, "hold": 1, "delay": 2]),
        ]
        for (scenario, strategy, scope) in scopes {
            let setup = try buildAny(scenario, strategy, scope)
            try expectSameOrbits(setup, "\(scenario) under \(strategy)")
            try expectSameOrbits(setup, "\(scenario) under \(strategy) on 2 threads", jobs: 2)
        }
    }

    @Test("a violation found with symmetry is a schedule of the actual tasks: it replays step by step to the same violation")
    func counterexampleReplays() throws {
        var found = 0
        for (scenario, scope) in [("reclaim-race", ["faulters": 2, "passes": 1, "touches": 1] as Parameters),
                                  ("fairness", ["lockers": 3, "stealers": 1, "iterations": 1])] {
            for name in registry.names(.strategy) {
                let setup = try buildAny(scenario, name, scope)
                let o = outcome(setup, symmetry: true)
                guard let v = o.violation, let schedule = o.found, v.kind != .nonTermination else { continue }
                found += 1
                // Strictly: each step's task must be runnable, and the
                // checkers must fail where the search said.
                var w = setup.world
                // (Past a PG_waiters diagnostic the search ran on to its hang
                // without that check: so does this replay.)
                var checkers = Checkers.forExploration(setup, waitersDiagnostic: o.predictor == nil)
                var replayed: Violation?
                for (i, t) in schedule.steps.enumerated() where replayed == nil {
                    do {
                        let event = try setup.engine.step(&w, task: Int(t))
                        replayed = checkers[0].afterStep(event, world: w, engine: setup.engine)
                    } catch {
                        #expect(error.kind != .notRunnable, "\(scenario) under \(name): step \(i) names task \(t), which cannot run")
                        replayed = error
                    }
                }
                if replayed == nil {
                    #expect(setup.engine.runnableTasks(w).isEmpty)
                    replayed = checkers[0].atEnd(w.allFinished ? .finished : .quiescent, world: w, engine: setup.engine)
                }
                #expect(replayed?.kind == v.kind, "\(scenario) under \(name)")
            }
        }
        #expect(found > 0)
    }
}
