// Page-lock primitives and contention in each wait core (kernel-model §2.2,
// §2.3, §2.5, §2.6, §4 F13, §5.12).

import Testing
import PagewaitCore

@Suite("Page lock")
struct PageLockTests {
    // MARK: non-atomic clear (__ClearPageLocked, §2.2)

    /// Page 0 locked by task 0, whose program is the two-step non-atomic
    /// clear; task 1 sets PG_waiters atomically (SetPageWaiters).
    static func clearVersusSetWaiters() throws -> Fixture {
        let clearer = try Programs.build("reclaim") { $0.nonAtomicClearLocked(rPage) }
        let setter = try Programs.ops("SetPageWaiters", [.setFlag(rPage, .waiters)])
        return try Fixture(pages: [.locked(by: 0)], tasks: [TaskSpec(program: clearer), TaskSpec(program: setter)])
    }

    @Test("non-atomic clear: a SetPageWaiters between N1 (read) and N2 (write back) is lost")
    func nonAtomicClearLosesConcurrentUpdate() throws {
        var f = try Self.clearVersusSetWaiters()
        let events = try f.run([0, 1, 0])
        #expect(events.map(\.action) == [.nonAtomicRead, .flags, .nonAtomicWrite])
        #expect(f.page(0).flags == [], "PG_locked cleared and the concurrent PG_waiters overwritten")
    }

    @Test("non-atomic clear without an interleaved update loses nothing (update before N1, or after N2)",
          arguments: [[1, 0, 0], [0, 0, 1]])
    func nonAtomicClearWithoutInterleaving(order: [Int]) throws {
        var f = try Self.clearVersusSetWaiters()
        try f.run(order)
        #expect(f.page(0).flags == [.waiters])
        #expect(f.page(0).lockOwner == .none)
    }

    @Test("non-atomic clear strands a waiter: a waiter queued (PG_waiters set, bit seen set) between N1 and N2 has its PG_waiters erased and is never woken, even by a later lock/unlock of the page (the F3 mechanism)")
    func nonAtomicClearStrandsWaiter() throws {
        let clearer = try Programs.build("reclaim") { $0.nonAtomicClearLocked(rPage) }
        let tasks = [
            TaskSpec(program: clearer),
            TaskSpec(program: try Programs.wait(BehaviorID.exclusive)),
            TaskSpec(program: try Programs.lockCountUnlock(counter: 0)),
        ]
        var f = try Fixture(pages: [.locked(by: 0)], tasks: tasks, counters: 1)
        try f.step(0)                              // N1 reads [locked]
        try f.sleep(1)                             // queues, SetPageWaiters, sees PG_locked, sleeps
        #expect(f.page(0).flags.contains(.waiters))
        try f.step(0)                              // N2 writes [] back
        #expect(!f.page(0).flags.contains(.waiters) && !f.page(0).isLocked)
        #expect(f.isAsleepQueued(1))
        let later = try f.finish(2)               // lock_page, unlock_page: U1 sees no waiters
        #expect(later.contains { $0.action == .unlockU1 && $0.a == 0 })
        #expect(!later.contains { $0.action == .wakeBegin })
        #expect(f.isAsleepQueued(1), "nobody will wake it")
        #expect(f.engine.enabledTasks(f.world).isEmpty && !f.world.allFinished)
    }

    @Test("control: the same interleaving with unlock_page (atomic clear + wake) wakes the waiter")
    func atomicUnlockWakesWaiter() throws {
        let tasks = [TaskSpec(program: try Programs.unlock()), TaskSpec(program: try Programs.wait(BehaviorID.exclusive))]
        var f = try Fixture(pages: [.locked(by: 0)], tasks: tasks)
        try f.sleep(1)
        try f.finish(0)
        #expect(f.isWoken(1))
        try f.finish(1)
        #expect(f.page(0).lockOwner == TaskID(1))
    }

    // MARK: contention in each core

    @Test("lock_page contention: two EXCLUSIVE lockers queued behind a holder each hold the lock exactly once, alone, and everything finishes unlocked",
          arguments: allCores + [.v5_9(unfairness: 0)])
    func twoLockersEachGetTheLockOnce(core: WaitCore) throws {
        let tasks = [
            TaskSpec(program: try Programs.unlock()),
            TaskSpec(program: try Programs.lockCountUnlock(counter: 0)),
            TaskSpec(program: try Programs.lockCountUnlock(counter: 1)),
        ]
        var f = try Fixture(config: KernelConfig(waitCore: core), pages: [.locked(by: 0)], tasks: tasks, counters: 2)
        try f.sleep(1)
        try f.sleep(2)
        #expect(f.queued(0) == [1, 2])
        // The critical section's count is local: it runs inside the step that
        // took the lock (the trylock, or the wait's last step), which leaves
        // the task resting on U1 with the lock still held.
        var counters = f.world.counters
        var sections = 0
        try f.roundRobin { e, w in
            if w.counters != counters {
                sections += 1
                #expect(w.pages[0].lockOwner == e.task, "the critical section runs under the lock")
                #expect(w.counters[e.task.index - 1] == counters[e.task.index - 1] + 1, "task \(e.task) counted its own section")
                counters = w.counters
            }
        }
        #expect(sections == 2)
        #expect(f.world.allFinished)
        #expect(f.world.counters == [1, 1])
        #expect(!f.page(0).isLocked && f.world.queue.isEmpty)
        #expect(f.world.ledgerMismatches().isEmpty)
    }

    @Test("every interleaving of a holder's unlock and two lock_page/unlock_page users ends with each having held the lock once, under the lock, with nobody asleep",
          arguments: allCores + [.v5_9(unfairness: 0)])
    func twoLockersAllInterleavings(core: WaitCore) throws {
        let tasks = [
            TaskSpec(program: try Programs.unlock()),
            TaskSpec(program: try Programs.lockCountUnlock(counter: 0)),
            TaskSpec(program: try Programs.lockCountUnlock(counter: 1)),
        ]
        let f = try Fixture(config: KernelConfig(waitCore: core), pages: [.locked(by: 0)], tasks: tasks, counters: 2)
        var ends = 0, badSections = 0, sections = 0
        let states = try explore(f.engine, from: f.world, onStep: { before, e, after in
            // The count is local, so it runs inside the step that took the
            // lock; the task then rests on U1, still holding it.
            if after.counters != before.counters {
                sections += 1
                if after.pages[0].lockOwner != e.task { badSections += 1 }
            }
        }, atEnd: { w in
            ends += 1
            #expect(w.allFinished, "no task left asleep or spinning")
            #expect(w.counters == [1, 1])
            #expect(!w.pages[0].isLocked)
        })
        #expect(badSections == 0)
        #expect(sections > 0, "the check saw critical sections")
        #expect(ends > 0 && states > ends)
    }

    // MARK: requeues under a trylock stealer (F13)

    /// Task 0 holds page 0 and loops `steals` times: unlock, then trylock
    /// again (counter 1 counts successes; it stops when a trylock fails).
    /// Task 1 is a lock_page user (counter 0). The schedule is adversarial:
    /// the stealer always runs its unlock and trylock back to back, then
    /// the locker runs until it sleeps or finishes.
    static func stealer(steals: Int64, core: WaitCore) throws -> Fixture {
        let thief = try Programs.build("stealer") { b in
            let top = b.label(), done = b.label()
            b.bind(top)
            b.unlockPage(rPage)
            b.emit(.trylockPage(rPage, result: rResult))
            b.branch(rResult, .equal, 0, to: done)
            b.emit(.count(1))
            b.emit(.add(rTmp, -1))
            b.branch(rTmp, .notEqual, 0, to: top)
            b.unlockPage(rPage)
            b.bind(done)
        }
        let tasks = [
            TaskSpec(program: thief, registers: [0, steals]),
            TaskSpec(program: try Programs.lockCountUnlock(counter: 0)),
        ]
        var f = try Fixture(config: KernelConfig(waitCore: core), pages: [.locked(by: 0)], tasks: tasks, counters: 2)
        try f.sleep(1)
        var rounds = 0
        while !f.world.allFinished {
            rounds += 1
            if rounds > 100 { throw FixtureError(description: "no progress") }
            try f.runAlone(0) { e, _ in e.action == .trylock }
            try f.runAlone(1) { _, _ in false }
        }
        return f
    }

    static let steals: Int64 = 8

    @Test("requeues under an adversarial trylock stealer: v4.19 requeues once per steal (unbounded, beyond the default sysctl of 5); v5.9a never requeues because the waker hands the lock over; v5.9 requeues at most `unfairness` times, then asks for a handoff",
          arguments: [WaitCore.v4_19, .v5_9a, .v5_9(), .v5_9(unfairness: 2), .v5_9(unfairness: 0)])
    func requeueBounds(core: WaitCore) throws {
        let f = try Self.stealer(steals: Self.steals, core: core)
        let requeues = Int64(f[1].stats.requeues)
        let stolen = f.world.counters[1]
        #expect(f.world.counters[0] == 1, "the locker got the lock once")
        #expect(requeues == stolen, "each successful steal after a wake costs the woken locker one requeue")
        switch core {
        case .v4_19:
            #expect(requeues == Self.steals)
            #expect(requeues > Int64(WaitCore.v5_9().unfairness))
        case .v5_9a:
            #expect(requeues == 0)
            #expect(stolen == 0, "the lock was handed over at the first wake; the trylock fails")
        default:
            #expect(requeues == min(Int64(core.unfairness), Self.steals))
        }
        #expect(!f.page(0).isLocked && f.world.queue.isEmpty)
    }

    @Test("v4.19: a woken exclusive waiter that loses the bit to a trylock goes back on at the tail, behind a waiter that queued after it (the unfair requeue, F13); v5.9a hands it the lock instead",
          arguments: [WaitCore.v4_19, .v5_9a])
    func requeueGoesToTheTail(core: WaitCore) throws {
        let tasks = [
            TaskSpec(program: try Programs.unlock()),
            TaskSpec(program: try Programs.lockCountUnlock(counter: 0)),
            TaskSpec(program: try Programs.lockCountUnlock(counter: 1)),
            TaskSpec(program: try Programs.trylock()),
        ]
        var f = try Fixture(config: KernelConfig(waitCore: core), pages: [.locked(by: 0)], tasks: tasks, counters: 2)
        try f.sleep(1)
        try f.sleep(2)
        try f.finish(0)                                // wakes task 1 only
        #expect(f.queued(0) == [2])
        let steal = try f.step(3)
        if core == .v4_19 {
            #expect(steal.a == 1)
            try f.sleep(1)                             // test-and-set fails: requeue, sleep
            #expect(f.queued(0) == [2, 1])
            #expect(f[1].stats.requeues == 1)
        } else {
            #expect(steal.a == 0, "the waker already took the lock for task 1")
            // The wait ends holding the lock; the count runs inline in that
            // step, and task 1 then rests on its unlock.
            try f.runAlone(1) { e, _ in e.action == .waitEnd }
            #expect(f.world.counters[0] == 1 && f.page(0).lockOwner == TaskID(1))
            #expect(f[1].frame == .none && !f[1].finished, "task 1 has not unlocked yet")
            #expect(f.queued(0) == [2] && f[1].stats.requeues == 0)
        }
    }

    @Test("v5.9a: a queued exclusive waiter is never requeued, even when every unlock is followed by a trylock (stats.requeues == 0 in every interleaving)")
    func v59aNeverRequeuesAnyInterleaving() throws {
        let tasks = [
            TaskSpec(program: try Programs.unlock()),
            TaskSpec(program: try Programs.lockCountUnlock(counter: 0)),
            TaskSpec(program: try Programs.trylock(thenUnlock: true)),
            TaskSpec(program: try Programs.trylock(thenUnlock: true)),
        ]
        let f = try Fixture(config: KernelConfig(waitCore: .v5_9a), pages: [.locked(by: 0)], tasks: tasks, counters: 1)
        var requeueSteps = 0
        try explore(f.engine, from: f.world, onStep: { before, e, after in
            if after.tasks[1].stats.requeues > before.tasks[1].stats.requeues || e.action == .requeue { requeueSteps += 1 }
        }, atEnd: { w in
            #expect(w.allFinished)
            #expect(w.counters == [1])
        })
        #expect(requeueSteps == 0)
    }
}
