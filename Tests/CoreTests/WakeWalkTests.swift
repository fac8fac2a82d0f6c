// The wake walk: which entries one wake_up_page_bit() call wakes, where it
// stops, and when it clears PG_waiters (kernel-model §2.4, §2.5, §2.6, §5.10).

import Testing
import PagewaitCore

@Suite("Wake walk")
struct WakeWalkTests {
    /// Page 0 locked by task 0 (`unlock_page`), and waiters in queue order:
    /// 1 SHARED, 2 DROP, 3 EXCLUSIVE, 4 SHARED, 5 EXCLUSIVE.
    static func mixedQueue(_ core: WaitCore) throws -> Fixture {
        let tasks = [
            TaskSpec(program: try Programs.unlock()),
            TaskSpec(program: try Programs.wait(BehaviorID.shared)),
            TaskSpec(program: try Programs.wait(BehaviorID.drop)),
            TaskSpec(program: try Programs.wait(BehaviorID.exclusive)),
            TaskSpec(program: try Programs.wait(BehaviorID.shared)),
            TaskSpec(program: try Programs.wait(BehaviorID.exclusive)),
        ]
        var f = try Fixture(config: KernelConfig(waitCore: core), pages: [.locked(by: 0)], tasks: tasks)
        for t in 1...5 { try f.sleep(t) }
        #expect(f.queued(0) == [1, 2, 3, 4, 5])
        return f
    }

    @Test("an exclusive wake wakes every SHARED/DROP entry before the first exclusive waiter, exactly that one exclusive waiter, and nothing after it; under v5.9a (and v5.9 with handoff) the waker takes the lock for it",
          arguments: allCores + [.v5_9(unfairness: 0)])
    func exclusiveWakeStopsAfterOne(core: WaitCore) throws {
        var f = try Self.mixedQueue(core)
        let walk = try f.finish(0)
        let visited = walk.filter { $0.action == .wakeVisit }.map { Int($0.a) }
        #expect(visited == [1, 2, 3], "the walk ends at the exclusive waiter")
        for t in [1, 2, 3] { #expect(f.isWoken(t), "task \(t) woken") }
        for t in [4, 5] { #expect(f.isAsleepQueued(t), "task \(t) left asleep on the list") }
        #expect(f.queued(0) == [4, 5])
        #expect(f.world.stats.mostExclusiveWakesInOneCall == 1)
        #expect(f.page(0).flags.contains(.waiters), "entries for the page remain: PG_waiters stays")
        if wakerHandsOff(core) {
            #expect(f.page(0).isLocked && f.page(0).lockOwner == TaskID(3), "the waker took PG_locked for the exclusive waiter")
            #expect(f[3].entry.flags.contains(.woken))
        } else {
            #expect(!f.page(0).isLocked, "the waker leaves the bit for the woken waiter to take")
        }
        try f.finish(3)
        #expect(f.result(3) == 0)
        #expect(f.page(0).lockOwner == TaskID(3))
    }

    /// Page 0 locked by task 0; SHARED waiters 1 and 2 asleep; task 3 a
    /// trylock stealer. Task 0 unlocks and walks; the stealer runs (or not)
    /// between the walk's visit of entry 1 and its visit of entry 2.
    static func stealMidWalk(_ core: WaitCore, steal: Bool, secondBehavior: UInt8 = BehaviorID.shared) throws -> (Fixture, [StepEvent]) {
        let tasks = [
            TaskSpec(program: try Programs.unlock()),
            TaskSpec(program: try Programs.wait(BehaviorID.shared)),
            TaskSpec(program: try Programs.wait(secondBehavior)),
            TaskSpec(program: try Programs.trylock()),
        ]
        var f = try Fixture(config: KernelConfig(waitCore: core), pages: [.locked(by: 0)], tasks: tasks)
        try f.sleep(1)
        try f.sleep(2)
        // U1 (the branch on PG_waiters runs inline with it), then the walk
        // up to and including its visit of entry 1.
        var walk = try f.runAlone(0) { e, _ in e.action == .wakeVisit && e.a == 1 }
        #expect(walk.first?.action == .unlockU1 && walk.first?.a == 1)
        #expect(walk.map(\.action) == [.unlockU1, .wakeBegin, .wakeVisit], "U1, spin_lock(q->lock), visit entry 1")
        #expect(walk.last?.action == .wakeVisit && walk.last?.a == 1)
        // The walk holds q.lock and has entry 2 still to visit.
        #expect(f[0].frame.kind == .wake && f[0].heldBucket == f.bucket(0))
        #expect(f.queued(0).contains(2) && !f.isWoken(2))
        if steal {
            let e = try f.step(3)                     // trylock between the micro-steps
            #expect(e.action == .trylock && e.a == 1)
        }
        let rest = try f.finish(0)
        #expect(rest.first?.action == .wakeVisit && rest.first?.a == 2, "the walk's next step visits entry 2")
        walk += rest
        return (f, walk)
    }

    @Test("v4.19: a trylock that re-sets PG_locked between two entry visits stops the walk (-1); the later entry stays queued and asleep, and PG_waiters stays set")
    func v419StopsWhenBitResetMidWalk() throws {
        let (f, walk) = try Self.stealMidWalk(.v4_19, steal: true)
        #expect(walk.contains { $0.action == .wakeVisit && $0.a == 2 && $0.b == -1 })
        #expect(f.isWoken(1))
        #expect(f.isAsleepQueued(2))
        #expect(f.queued(0) == [2])
        #expect(f.page(0).flags.contains(.waiters))
        #expect(walk.last?.action == .wakeEnd && walk.last?.a == 0)
    }

    @Test("v4.19 control: the same walk without the stealer wakes the second entry too and clears PG_waiters (bucket empty)")
    func v419WalkWithoutStealWakesAll() throws {
        let (f, walk) = try Self.stealMidWalk(.v4_19, steal: false)
        #expect(walk.contains { $0.action == .wakeVisit && $0.a == 2 && $0.b == 1 })
        #expect(f.isWoken(1) && f.isWoken(2))
        #expect(f.queued(0).isEmpty)
        #expect(!f.page(0).flags.contains(.waiters))
    }

    @Test("v5.9a and v5.9: non-exclusive entries are woken without a bit check, so the same steal does not stop the walk (kernel-model §2.5, F10)",
          arguments: [WaitCore.v5_9a, .v5_9()])
    func newerCoresWakeSharedDespiteSteal(core: WaitCore) throws {
        let (f, walk) = try Self.stealMidWalk(core, steal: true)
        #expect(walk.contains { $0.action == .wakeVisit && $0.a == 2 && $0.b == 0 })
        #expect(f.isWoken(2))
        #expect(f.queued(0).isEmpty)
        #expect(f.page(0).lockOwner == TaskID(3), "the stealer still holds the page")
    }

    @Test("v5.9a and v5.9: an exclusive entry stops the walk when the bit was re-set before it is visited",
          arguments: [WaitCore.v5_9a, .v5_9()])
    func newerCoresStopAtExclusiveWhenLocked(core: WaitCore) throws {
        let (f, walk) = try Self.stealMidWalk(core, steal: true, secondBehavior: BehaviorID.exclusive)
        #expect(walk.contains { $0.action == .wakeVisit && $0.a == 2 && $0.b == -1 })
        #expect(f.isAsleepQueued(2))
        #expect(f.page(0).lockOwner == TaskID(3))
    }

    @Test("v4.19: a queued exclusive waiter that is already RUNNING (woken by SIGKILL) is not unlinked and does not consume the exclusive wake; the walk goes on to the next exclusive waiter")
    func runningExclusiveDoesNotConsumeWake() throws {
        let tasks = [
            TaskSpec(program: try Programs.unlock()),
            TaskSpec(program: try Programs.wait(BehaviorID.exclusive, .killable)),
            TaskSpec(program: try Programs.wait(BehaviorID.exclusive)),
            TaskSpec(program: try Programs.signal(1), holdsReference: false),
        ]
        var f = try Fixture(pages: [.locked(by: 0)], tasks: tasks)
        try f.sleep(1)
        try f.sleep(2)
        try f.finish(3)
        #expect(f[1].state == .running && !f[1].blocked && f[1].entry.onList)
        let walk = try f.finish(0)
        #expect(walk.filter { $0.action == .wakeVisit }.map { [$0.a, $0.b] } == [[1, 0], [2, 1]])
        #expect(f[1].entry.onList, "try_to_wake_up returned 0: entry not unlinked")
        #expect(f.isWoken(2))
        #expect(f.page(0).flags.contains(.waiters), "task 1's entry is still on the list")
        // Task 1 tests the bit before the signal: the lock is free, so it takes it.
        try f.finish(1)
        #expect(f.result(1) == 0)
        #expect(f.page(0).lockOwner == TaskID(1))
        #expect(!f[1].entry.onList, "finish_wait unlinked it")
    }

    @Test("PG_waiters: a walk that leaves a second exclusive waiter queued keeps PG_waiters set; the next unlock's walk empties the bucket and clears it; the last unlock then sees it clear and does not walk",
          arguments: allCores)
    func waitersClearedOnlyWhenNoEntryRemains(core: WaitCore) throws {
        let tasks = [
            TaskSpec(program: try Programs.unlock()),
            TaskSpec(program: try Programs.waitThenUnlock()),
            TaskSpec(program: try Programs.waitThenUnlock()),
        ]
        var f = try Fixture(config: KernelConfig(waitCore: core), pages: [.locked(by: 0)], tasks: tasks)
        try f.sleep(1)
        try f.sleep(2)
        let first = try f.finish(0)
        #expect(first.last?.action == .wakeEnd && first.last?.a == 0)
        #expect(f.isWoken(1) && f.isAsleepQueued(2))
        #expect(f.page(0).flags.contains(.waiters))
        let second = try f.finish(1)
        #expect(second.contains { $0.action == .unlockU1 && $0.a == 1 })
        #expect(second.last?.action == .wakeEnd && second.last?.a == 1)
        #expect(!f.page(0).flags.contains(.waiters))
        #expect(f.isWoken(2))
        let third = try f.finish(2)
        #expect(third.contains { $0.action == .unlockU1 && $0.a == 0 })
        #expect(!third.contains { $0.action == .wakeBegin }, "PG_waiters clear: no walk")
        #expect(f.world.allFinished && !f.page(0).isLocked && f.world.queue.isEmpty)
    }

    @Test("a walk over an empty bucket clears a stale PG_waiters", arguments: allCores)
    func emptyBucketClearsStaleWaiters(core: WaitCore) throws {
        var f = try Fixture(config: KernelConfig(waitCore: core), pages: [.locked(by: 0, flags: [.waiters])],
                            tasks: [TaskSpec(program: try Programs.unlock())])
        let walk = try f.finish(0)
        // U1 (PG_waiters set, so the branch falls through to the wake, inline)
        // then the walk: spin_lock, nothing to visit, ClearPageWaiters.
        #expect(walk.map(\.action) == [.unlockU1, .wakeBegin, .wakeEnd])
        #expect(walk.first?.a == 1, "U1 saw the stale PG_waiters")
        #expect(walk.last?.a == 1)
        #expect(f.page(0).flags == [])
    }
}
