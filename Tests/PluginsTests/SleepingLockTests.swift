// Mutexes, rwsems and the wait-for graph: the kernel's sleeping semantics
// (one wake per mutex unlock, the handoff flag, rwsem reader batching), a
// cycle reported as DEADLOCK with its chain, and the sleeping locks' state
// renamed with the tasks for the symmetry reduction.

import Testing
import PagewaitCore
@testable import PagewaitPlugins

private func explore(_ setup: Setup, symmetry: Bool = true) -> ExplorationResult {
    var explorer = ExhaustiveExplorer(setup: setup, bounds: ExplorationBounds(symmetry: symmetry),
                                      makeCheckers: { Checkers.forExploration(setup) })
    return explorer.run(jobs: 1)
}

private func chainSetup(_ programs: [[(LockStep, Int)]], strategy: String = "legacy") throws -> Setup {
    let spec = ScenarioSpec(name: "test-chain", summary: "", reference: "", parameters: ["mappings": 0],
                            actors: programs.enumerated().map { i, p in
                                ActorSpec(LockChain(), count: 1, LockChain.parameters(p), name: "t" + String(repeating: "x", count: i + 1))
                            })
    return try spec.build(strategy: try registry.resolveStrategy(strategy), parameters: [:])
}

@Suite("Sleeping locks and the wait-for graph")
struct SleepingLockTests {
    /// Two tasks contending for one mutex always both finish: an unlock
    /// wakes the waiter (break the wake in `Op+SleepingLocks` and a waiter
    /// sleeps forever: HANG or LOST_WAKEUP here).
    @Test("a mutex unlock wakes its waiter: every schedule of two contenders finishes")
    func mutexWakesWaiter() throws {
        let p: [(LockStep, Int)] = [(.mutexLock, 0), (.pause, 1), (.mutexUnlock, 0)]
        let r = explore(try chainSetup([p, p, p]))
        #expect(r.violation == nil, "\(String(describing: r.violation))")
        #expect(r.complete)
        #expect(r.states > 10)
    }

    /// rwsem: readers queued behind a writer are all granted the lock by
    /// its release (rwsem_mark_wake), and every schedule finishes.
    @Test("rwsem readers and a writer: every schedule finishes; a release grants every queued reader")
    func rwsemBatching() throws {
        let setup = try chainSetup([[(.downWrite, 0), (.pause, 1), (.upWrite, 0)],
                                    [(.downRead, 0), (.upRead, 0)], [(.downRead, 0), (.upRead, 0)]])
        let r = explore(setup)
        #expect(r.violation == nil, "\(String(describing: r.violation))")
        // Writer takes S0 first, both readers queue, the writer releases.
        let s = setup.engine
        var w = setup.world
        _ = try s.step(&w, task: 0)
        for t in [1, 2] { _ = try s.step(&w, task: t) }
        #expect(w.tasks[1].blocked && w.tasks[2].blocked)
        #expect(w.sleepLocks[Int(SleepLockID.rwsem(0).raw)].waiters.count == 2)
        while w.sleepLocks[Int(SleepLockID.rwsem(0).raw)].owner == TaskID(0) { _ = try s.step(&w, task: 0) }
        let lock = w.sleepLocks[Int(SleepLockID.rwsem(0).raw)]
        #expect(lock.readers == TaskSet([1, 2]), "both readers granted at once")
        #expect(!w.tasks[1].blocked && !w.tasks[2].blocked)
    }

    /// A mutex stolen from a woken waiter sets the handoff flag; the next
    /// unlock hands the mutex to that waiter before it runs.
    @Test("a woken mutex waiter that loses to a stealer gets the next unlock's handoff")
    func mutexHandoff() throws {
        let p: [(LockStep, Int)] = [(.mutexLock, 0), (.mutexUnlock, 0)]
        let setup = try chainSetup([p, p, p])
        let e = setup.engine
        var w = setup.world
        let m = Int(SleepLockID.mutex(0).raw)
        _ = try e.step(&w, task: 0)              // 0 owns M0
        _ = try e.step(&w, task: 1)              // 1 queues
        #expect(w.tasks[1].blocked)
        _ = try e.step(&w, task: 0)              // unlock: wakes 1
        #expect(!w.tasks[1].blocked && w.sleepLocks[m].owner == .none)
        _ = try e.step(&w, task: 2)              // 2 steals
        #expect(w.sleepLocks[m].owner == TaskID(2))
        _ = try e.step(&w, task: 1)              // 1 retries, loses: handoff
        #expect(w.sleepLocks[m].handoff && w.tasks[1].blocked)
        _ = try e.step(&w, task: 2)              // unlock hands M0 to 1
        #expect(w.sleepLocks[m].owner == TaskID(1))
        _ = try e.step(&w, task: 1)              // 1 picks it up
        #expect(w.sleepLocks[m].waiters.isEmpty && w.sleepLocks[m].owner == TaskID(1))
    }

    /// Z14: the wait-for cycle is DEADLOCK under every strategy modelled,
    /// printed as the chain (break the cycle search in `WaitForGraph` and
    /// the verdict is a HANG without the chain).
    @Test("multi-lock: DEADLOCK with the cycle's chain under legacy, rewrite-fair, unfair-0 and unfair-5",
          arguments: ["legacy", "rewrite-fair", "unfair-0", "unfair-5"])
    func z14Deadlock(strategy: String) throws {
        let setup = try buildAny("multi-lock", strategy, [:])
        let r = explore(setup)
        let v = try #require(r.violation)
        #expect(v.kind == .deadlock)
        #expect(v.detail.contains("waits for PG_locked of page 0"), "\(v.detail)")
        #expect(v.detail.contains("waits for mutex M0"), "\(v.detail)")
        #expect(v.detail.contains("(since step"), "\(v.detail)")
        // The replay of the schedule ends in the same chain.
        let replay = setup.engine.replay(setup.world, schedule: try #require(r.schedule), checkers: Checkers.standard(for: setup))
        #expect(replay.violation?.detail == v.detail)
    }

    /// A task that locks a mutex it holds sleeps on itself: a one-task cycle.
    @Test("mutex_lock of a mutex the task holds is a one-task DEADLOCK")
    func selfDeadlock() throws {
        let r = explore(try chainSetup([[(.mutexLock, 0), (.mutexLock, 0)]]))
        let v = try #require(r.violation)
        #expect(v.kind == .deadlock && v.detail.contains("waits for mutex M0"))
    }

    /// Sleeping while holding a spinlock is SLEEP_IN_ATOMIC for the new sleeps too.
    @Test("mutex_lock sleeping under a ptl is SLEEP_IN_ATOMIC")
    func sleepInAtomic() throws {
        let r = explore(try chainSetup([[(.mutexLock, 0), (.pause, 1), (.mutexUnlock, 0)], [(.spinLock, 0), (.mutexLock, 0), (.mutexUnlock, 0), (.spinUnlock, 0)]]))
        #expect(r.violation?.kind == .sleepInAtomic)
    }

    /// Renaming tasks renames the sleeping locks' owners, readers and
    /// waiters: the renamed world's fingerprint equals the in-place renamed
    /// fingerprint, and swapping owner and waiter is a different state
    /// (break the renaming in `SleepLock.combineIdentity(renamedBy:)` or
    /// `World.renamingTasks` and the equality fails).
    @Test("sleeping-lock state is renamed with the tasks")
    func renaming() throws {
        let setup = try buildAny("sleeping-locks", "legacy", [:])
        var withLocks = 0
        for w in sampleStates(setup, limit: 400) where !w.sleepLocks.isEmpty {
            withLocks += 1
            let p = TaskPermutation([0, 2, 1])
            let renamed = w.renamingTasks(p)
            let inPlace = p.image.withUnsafeBufferPointer { i in
                p.inverse.image.withUnsafeBufferPointer { v in setup.engine.fingerprint(w, renamedBy: i, inverse: v) }
            }
            #expect(setup.engine.fingerprint(renamed) == inPlace)
            let m = w.sleepLocks[0]
            if m.owner == TaskID(1) && m.waiters.contains(where: { $0.task == TaskID(2) }) {
                #expect(setup.engine.fingerprint(renamed) != setup.engine.fingerprint(w))
                #expect(renamed.sleepLocks[0].owner == TaskID(2))
            }
        }
        #expect(withLocks > 10)
    }

    /// Symmetry on and off agree on the sleeping-locks scenario, whose two
    /// readers are interchangeable: the same verdict, fewer states with it
    /// (the states themselves are compared in SymmetryTests).
    @Test("sleeping-locks: symmetry on and off give the same verdict, with fewer states on")
    func symmetry() throws {
        let setup = try buildAny("sleeping-locks", "legacy", [:])
        #expect(TaskSymmetry(setup: setup).groups.count == 1)
        let on = explore(setup, symmetry: true), off = explore(setup, symmetry: false)
        #expect(on.violation == nil && off.violation == nil)
        #expect(on.complete && off.complete)
        #expect(on.states < off.states, "on \(on.states), off \(off.states)")
    }

    /// A scenario file gives a lock-chain's steps as `program`, in the
    /// kernel's words; a bad step is refused naming the line and the range.
    @Test("scenario files: 'program' builds the steps; an unknown operation, a number out of range, or 'program' with stepN are refused at their line")
    func scenarioFileProgram() throws {
        let text = """
        [[actor]]
        kind = "lock-chain"
        program = ["mutex_lock 3", "down_read 1", "up_read 1", "mutex_unlock 3"]
        """
        let spec = try ScenarioFile.parse(text, path: "p.toml", registry: registry)
        #expect(spec.actors.first?.parameters["step0"] == LockStep.mutexLock.rawValue * 100 + 3)
        #expect(spec.actors.first?.parameters["step3"] == LockStep.mutexUnlock.rawValue * 100 + 3)
        let bad: [(String, String)] = [
            ("program = [\"mutex_grab 1\"]", "unknown operation"),
            ("program = [\"mutex_lock 16\"]", "out of range 0...15"),
            ("program = [\"mutex_lock\"]", "write 'mutex_lock N'"),
            ("step0 = 301\nprogram = [\"mutex_lock 1\"]", "both give the steps"),
        ]
        for (line, message) in bad {
            let text = "[[actor]]\nkind = \"lock-chain\"\n" + line + "\n"
            #expect {
                _ = try ScenarioFile.parse(text, path: "bad.toml", registry: registry)
            } throws: { error in
                let e = error as? ScenarioFileError
                return e?.message.contains(message) == true && (e?.line ?? 0) >= 3
            }
        }
    }
}
