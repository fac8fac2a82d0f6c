// The exhaustive explorer's state keys (`StateKeys`): a renamed world's
// fingerprint fed in place is the fingerprint of the renamed world; keys
// worked out incrementally along a search are the keys worked out from
// scratch; and keys tell apart exactly the worlds the fingerprint tells
// apart.

import Synchronization
import Testing
import PagewaitCore
@testable import PagewaitPlugins

@Suite("State keys")
struct StateKeyTests {
    @Test("a world's fingerprint with its tasks renamed in place is the fingerprint of the renamed world, and its orbit key that of every twin",
          arguments: symmetryScopes.indices)
    func renamedInPlace(index: Int) throws {
        let (scenario, strategy, parameters) = symmetryScopes[index]
        let setup = try buildAny(scenario, strategy, parameters)
        let engine = setup.engine
        let symmetry = TaskSymmetry(setup: setup)
        let renamings = groupRenamings(symmetry.groups, tasks: setup.world.tasks.count)
        var checked = 0
        for w in sampleStates(setup, limit: 400) {
            for p in renamings {
                let image = p.image, inverse = p.inverse.image
                let inPlace = image.withUnsafeBufferPointer { i in inverse.withUnsafeBufferPointer { engine.fingerprint(w, renamedBy: i, inverse: $0) } }
                let twin = w.renamingTasks(p)
                #expect(inPlace == engine.fingerprint(twin), "\(scenario): renamed by \(p)")
                #expect(symmetry.canonical(twin).key == symmetry.canonical(w).key, "\(scenario): a twin by \(p) has another key")
                checked += 1
            }
        }
        #expect(checked > 0 || symmetry.groups.isEmpty)
    }

    /// Worlds a search reaches, each with the key the search gave it.
    func keyed(_ setup: Setup, symmetry: Bool, deadVariables: Bool) -> [(UInt64, World)] {
        let seen = Mutex<[(UInt64, World)]>([])
        var explorer = ExhaustiveExplorer(setup: setup, bounds: ExplorationBounds(symmetry: symmetry, deadVariables: deadVariables),
                                          makeCheckers: { Checkers.forExploration(setup) })
        explorer.observeWorld = { k, w in seen.withLock { $0.append((k, w)) } }
        explorer.passViolations = true
        _ = explorer.run(jobs: 1)
        return seen.withLock { $0 }
    }

    @Test("keys reused from the parent's task hashes are the keys worked out afresh; distinct worlds get distinct keys, equal ones equal keys",
          arguments: symmetryScopes.indices)
    func incrementalKeys(index: Int) throws {
        let (scenario, strategy, parameters) = symmetryScopes[index]
        let setup = try buildAny(scenario, strategy, parameters)
        let engine = setup.engine
        let symmetry = TaskSymmetry(setup: setup)
        for on in [false, true] {
            for dead in [false, true] {
                let reached = keyed(setup, symmetry: on, deadVariables: dead)
                #expect(reached.count > 1)
                var fresh = StateKeys(engine: engine, symmetry: on ? symmetry : nil, taskCount: setup.world.tasks.count, deadVariables: dead)
                for (k, w) in reached {
                    #expect(fresh.key(w, depth: 0, parent: nil).0 == k,
                            "\(scenario), symmetry \(on), dead variables \(dead): a key worked out along the search differs")
                }
            }
        }
        // Distinct worlds (by fingerprint) have distinct keys; with
        // symmetry, one key stands for one orbit (the least fingerprint of
        // its members names it).
        let renamings = groupRenamings(symmetry.groups, tasks: setup.world.tasks.count)
        let complete = symmetry.groups.count <= 1 && symmetry.groups.allSatisfy { $0.count <= 4 }
        var plain = StateKeys(engine: engine, symmetry: nil, taskCount: setup.world.tasks.count)
        var orbital = StateKeys(engine: engine, symmetry: symmetry, taskCount: setup.world.tasks.count)
        var plainKeys = Set<UInt64>(), orbitOf: [UInt64: UInt64] = [:]
        let sample = sampleStates(setup, limit: 3000)
        for w in sample {
            plainKeys.insert(plain.key(w, depth: 0, parent: nil).0)
            guard complete else { continue }
            let orbit = renamings.map { engine.fingerprint(w.renamingTasks($0)) }.reduce(engine.fingerprint(w), min)
            let k = orbital.key(w, depth: 0, parent: nil).0
            #expect(orbitOf[k] == nil || orbitOf[k] == orbit, "\(scenario): two orbits share a key")
            orbitOf[k] = orbit
        }
        #expect(plainKeys.count == sample.count, "\(scenario): \(sample.count) distinct worlds, \(plainKeys.count) keys")
    }

    @Test("the key sees every field that holds a task number: a waker's cursor and woken set, a list item's task, a frame's owners, a place's program")
    func keySeesTaskNumbers() throws {
        let setup = try buildAny("reclaim-race", "noref", ["faulters": 2, "passes": 1, "touches": 1, "think": 0])
        let base = setup.world
        try #require(base.tasks.count >= 3 && !base.pages.isEmpty)
        var keys = StateKeys(engine: setup.engine, symmetry: nil, taskCount: base.tasks.count)
        func key(_ w: World) -> UInt64 { keys.key(w, depth: 0, parent: nil).0 }
        var waker = base
        var f = WakeFrame()
        f.next = TaskID(1)
        waker.tasks[0].frame = .wake(f)
        var cursor = waker
        cursor.tasks[0].wake.next = TaskID(2)
        var woken = waker
        woken.tasks[0].wake.woken = TaskSet([2])
        #expect(key(cursor) != key(waker) && key(woken) != key(waker) && key(waker) != key(base))
        var first = base, second = base
        first.queue = [QueueItem(bucket: 0, task: TaskID(1), isBookmark: false)]
        second.queue = [QueueItem(bucket: 0, task: TaskID(2), isBookmark: false)]
        #expect(key(first) != key(second))
        let owners: [WritableKeyPath<PageFrame, TaskID>] = [\.frozenBy, \.isolatedBy, \.lockOwner, \.writebackBy]
        for owner in owners {
            var a = base, b = base
            a.pages[0][keyPath: owner] = TaskID(1)
            b.pages[0][keyPath: owner] = TaskID(2)
            #expect(key(a) != key(b), "\(owner)")
        }
        var program = base
        program.tasks[0].program += 1
        #expect(key(program) != key(base))
    }
}
