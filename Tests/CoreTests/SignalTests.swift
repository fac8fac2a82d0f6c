// Signals and the wait's return value: -EINTR precedence per core
// (kernel-model §1.6, §2.3 steps 7-8, §2.5 step 7, §2.6 step 8, §4 F7, F8).

import Testing
import PagewaitCore

@Suite("Signals and -EINTR")
struct SignalTests {
    /// Task 0 holds page 0 and unlocks it; task 1 waits with `behavior` in
    /// `state`; task 2 sends SIGKILL to task 1.
    static func killWorld(core: WaitCore, behavior: UInt8, state: SleepState = .killable, locked: Bool = true) throws -> Fixture {
        let tasks = [
            TaskSpec(program: try Programs.unlock()),
            TaskSpec(program: try Programs.wait(behavior, state)),
            TaskSpec(program: try Programs.signal(1), holdsReference: false),
        ]
        return try Fixture(config: KernelConfig(waitCore: core), pages: [locked ? .locked(by: 0) : PageSpec()], tasks: tasks)
    }

    @Test("F7: a KILLABLE DROP waiter woken by the unlock, then SIGKILLed before it runs: v4.19 returns -EINTR (signal over wake), v5.9a and v5.9 return 0 (WOKEN decides, after finish_wait)",
          arguments: allCores)
    func dropKilledAfterWake(core: WaitCore) throws {
        var f = try Self.killWorld(core: core, behavior: BehaviorID.drop)
        try f.sleep(1)
        try f.finish(0)
        #expect(f.isWoken(1), "the unlock's walk woke it")
        try f.finish(2)
        #expect(f[1].pending == .fatal)
        try f.finish(1)
        #expect(f.result(1) == (core == .v4_19 ? EINTR : 0))
    }

    @Test("F7: SIGKILL before any wake interrupts a KILLABLE DROP wait in every core (-EINTR), and finish_wait unlinks the entry",
          arguments: allCores)
    func dropKilledBeforeWake(core: WaitCore) throws {
        var f = try Self.killWorld(core: core, behavior: BehaviorID.drop)
        try f.sleep(1)
        try f.finish(2)
        #expect(!f[1].blocked && f[1].state == .running && f[1].entry.onList, "the fatal signal woke the KILLABLE sleeper")
        try f.finish(1)
        #expect(f.result(1) == EINTR)
        #expect(f.world.queue.isEmpty)
    }

    @Test("F7: a pending SIGKILL and a page that is already unlocked: a v4.19 DROP wait returns -EINTR (no bit check, signal checked before DROP's exit); v5.9a/v5.9 return 0 (the synchronous try marks it WOKEN)",
          arguments: allCores)
    func dropPendingKillPageUnlocked(core: WaitCore) throws {
        var f = try Self.killWorld(core: core, behavior: BehaviorID.drop, locked: false)
        try f.finish(2)
        try f.finish(1)
        #expect(f.result(1) == (core == .v4_19 ? EINTR : 0))
    }

    @Test("EXCLUSIVE KILLABLE: the bit is tested before the signal, so with PG_locked clear the wait returns 0 and holds the lock despite a pending SIGKILL — both when the kill lands after the wake and when it was pending before the wait began",
          arguments: allCores, [true, false])
    func exclusiveBitBeatsPendingKill(core: WaitCore, killAfterWake: Bool) throws {
        var f = try Self.killWorld(core: core, behavior: BehaviorID.exclusive, locked: killAfterWake)
        if killAfterWake {
            try f.sleep(1)
            try f.finish(0)
            try f.finish(2)
        } else {
            try f.finish(2)
        }
        #expect(f[1].pending == .fatal)
        try f.finish(1)
        #expect(f.result(1) == 0)
        #expect(f.page(0).lockOwner == TaskID(1))
    }

    @Test("a SIGKILL pending before a KILLABLE wait on a locked page ends it with -EINTR without any wake: v4.19's io_schedule returns at once (signal_pending_state), the v5.9 cores check the signal before sleeping",
          arguments: allCores, [BehaviorID.exclusive, BehaviorID.shared, BehaviorID.drop])
    func pendingKillNeverSleeps(core: WaitCore, behavior: UInt8) throws {
        var f = try Self.killWorld(core: core, behavior: behavior)
        try f.finish(2)
        let events = try f.finish(1)
        #expect(f.result(1) == EINTR)
        #expect(!events.contains { $0.action == .sleep && $0.a == 1 }, "never blocked")
        #expect(f.page(0).lockOwner == TaskID(0) && f.world.queue.isEmpty)
    }

    @Test("signal_pending_state: SIGKILL does not interrupt an UNINTERRUPTIBLE sleeper; a non-fatal signal wakes an INTERRUPTIBLE one but not a KILLABLE one",
          arguments: [(SleepState.uninterruptible, true, false), (.killable, false, false), (.interruptible, false, true)])
    func signalDeliveryRespectsSleepState(state: SleepState, fatal: Bool, wakes: Bool) throws {
        let tasks = [
            TaskSpec(program: try Programs.idle()),
            TaskSpec(program: try Programs.wait(BehaviorID.exclusive, state)),
            TaskSpec(program: try Programs.signal(1, fatal: fatal), holdsReference: false),
        ]
        var f = try Fixture(pages: [.locked(by: 0)], tasks: tasks)
        try f.sleep(1)
        try f.finish(2)
        #expect(f[1].blocked == !wakes)
        if wakes {
            try f.finish(1)
            #expect(f.result(1) == EINTR)
        }
    }

    // MARK: stats.wakeups

    @Test("stats.wakeups counts wakes out of io_schedule by a signal as well as by a waker: SIGKILL to a KILLABLE sleeper counts once, and the walk that later finds it RUNNING does not count it again",
          arguments: allCores)
    func signalWakeCountsAsWakeup(core: WaitCore) throws {
        var f = try Self.killWorld(core: core, behavior: BehaviorID.exclusive)
        try f.sleep(1)
        #expect(f[1].blocked && f[1].stats.wakeups == 0)
        try f.finish(2)
        #expect(!f[1].blocked && f[1].state == .running)
        #expect(f[1].stats.wakeups == 1, "the signal woke it out of io_schedule")
        try f.finish(0)
        #expect(f[1].stats.wakeups == 1, "already awake: the walk's visit is not another wakeup")
        try f.finish(1)
        #expect(f[1].stats.wakeups == 1)
    }

    @Test("stats.wakeups: a wake by the unlock's walk counts once; a SIGKILL that does not wake (UNINTERRUPTIBLE) counts nothing; a SIGKILL pending before the wait (never asleep) counts nothing",
          arguments: allCores)
    func wakeupsOnlyForRealWakes(core: WaitCore) throws {
        var byWalk = try Self.killWorld(core: core, behavior: BehaviorID.exclusive, state: .uninterruptible)
        try byWalk.sleep(1)
        try byWalk.finish(2)
        #expect(byWalk[1].blocked && byWalk[1].stats.wakeups == 0, "SIGKILL does not wake an UNINTERRUPTIBLE sleeper")
        try byWalk.finish(0)
        #expect(byWalk.isWoken(1) && byWalk[1].stats.wakeups == 1)
        try byWalk.finish(1)
        #expect(byWalk[1].stats.wakeups == 1 && byWalk.result(1) == 0)

        var early = try Self.killWorld(core: core, behavior: BehaviorID.exclusive)
        try early.finish(2)
        try early.finish(1)
        #expect(early.result(1) == EINTR)
        #expect(early[1].stats.wakeups == 0, "never blocked, so never woken")
    }

    // MARK: F8, the exclusive killable lost wakeup

    /// H (0) holds the page; A (1) lock_page_killable; C (2) trylock then
    /// unlock; B (3) lock_page; S (4) SIGKILL to A.
    static func f8World(_ core: WaitCore) throws -> Fixture {
        let tasks = [
            TaskSpec(program: try Programs.unlock()),
            TaskSpec(program: try Programs.lockCountUnlock(counter: 0, .killable)),
            TaskSpec(program: try Programs.trylock(thenUnlock: true)),
            TaskSpec(program: try Programs.lockCountUnlock(counter: 1)),
            TaskSpec(program: try Programs.signal(1), holdsReference: false),
        ]
        return try Fixture(config: KernelConfig(waitCore: core), pages: [.locked(by: 0)], tasks: tasks, counters: 2)
    }

    @Test("F8 (v4.19): Linus's order — A queues and sees the bit clear, C steals, A's test-and-set fails, B queues behind A, C's unlock wakes A (consuming the one exclusive wake), SIGKILL, A returns -EINTR: B sleeps forever on an unlocked page")
    func f8LostWakeupV419() throws {
        var f = try Self.f8World(.v4_19)
        let first = try f.step(1)                          // 1. A: trylock fails (the branch runs inline)
        #expect(first.action == .trylock && first.a == 0)
        #expect(f[1].frame == .none && f[1].pc == 2, "A rests on its wait (lock_page's third instruction), not yet begun")
        let h = try f.finish(0)                            // 2. H: unlock, PG_waiters clear: no walk
        #expect(h.first?.action == .unlockU1 && h.first?.a == 0)
        let a = try f.runAlone(1) { e, _ in e.action == .bitTest }   // 3. A queues, KILLABLE, bit clear
        #expect(a.last?.a == 0 && f[1].entry.onList && f[1].state == .killable)
        #expect(try f.step(2).a == 1)                      // 4. C: trylock steals
        let t = try f.step(1)                              // 5. A: test-and-set fails
        #expect(t.action == .takeBit && t.a == 0)
        try f.sleep(3)                                     // 6. B queues behind A and sleeps
        #expect(f.queued(0) == [1, 3])
        let walk = try f.finish(2)                         // 7. C unlocks: wakes A only
        #expect(walk.filter { $0.action == .wakeVisit }.map(\.a) == [1])
        #expect(f.isAsleepQueued(3))
        try f.finish(4)                                    // 8. SIGKILL to A
        try f.finish(1)                                    //    A: -EINTR
        #expect(f.result(1) == EINTR)
        // 9. HANG: nobody can run, B is asleep, the page is unlocked.
        #expect(f.engine.enabledTasks(f.world).isEmpty)
        #expect(f.isAsleepQueued(3))
        #expect(!f.page(0).isLocked && f.page(0).flags.contains(.waiters))
    }

    @Test("F8 fixed: with a handoff for the first queued exclusive waiter (v5.9a, v5.9 with unfairness 0), no interleaving of the same five actors leaves anyone asleep or the page locked",
          arguments: [WaitCore.v5_9a, .v5_9(unfairness: 0)])
    func f8UnreachableWithHandoff(core: WaitCore) throws {
        let f = try Self.f8World(core)
        var ends = 0
        try explore(f.engine, from: f.world) { w in
            ends += 1
            #expect(w.allFinished, "a task is left asleep")
            #expect(!w.pages[0].isLocked)
        }
        #expect(ends > 0)
    }

    /// H (0) holds the page; A (1) lock_page_killable; B (2) lock_page;
    /// S (3) SIGKILL to A.
    static func killedBeforeFinishWait(_ core: WaitCore) throws -> Fixture {
        let tasks = [
            TaskSpec(program: try Programs.unlock()),
            TaskSpec(program: try Programs.lockCountUnlock(counter: 0, .killable)),
            TaskSpec(program: try Programs.lockCountUnlock(counter: 1)),
            TaskSpec(program: try Programs.signal(1), holdsReference: false),
        ]
        return try Fixture(config: KernelConfig(waitCore: core), pages: [.locked(by: 0)], tasks: tasks, counters: 2)
    }

    /// Whether the core, as kernel-model §2.6 writes it, lets a woken
    /// exclusive waiter return -EINTR: only v5.9 without a handoff request
    /// (WOKEN without DONE gives -EINTR, step 8).
    static func wokenExclusiveCanFail(_ core: WaitCore) -> Bool { core == .v5_9() }

    @Test("A (KILLABLE, queued first) and B queued; SIGKILL; A passes its signal check; H's unlock walk wakes A before A's finish_wait. v4.19 (A already RUNNING: the wake passes to B), v5.9a and v5.9 with handoff (the lock is handed to A, which returns 0 and unlocks) leave nobody asleep. v5.9 with unfairness 5, as §2.6 writes it, marks A WOKEN without DONE, A returns -EINTR having consumed the one exclusive wake, and B sleeps on an unlocked page — a hang kernel-model F8 says unfair-5 cannot reach",
          arguments: allCores + [.v5_9(unfairness: 0)])
    func killedExclusiveWokenBeforeFinishWait(core: WaitCore) throws {
        var f = try Self.killedBeforeFinishWait(core)
        try f.sleep(1)
        try f.sleep(2)
        #expect(f.queued(0) == [1, 2])
        try f.finish(3)
        // A runs up to its signal check (v5.9*: the check step's exit; v4.19:
        // the failed test-and-set, with the signal check next).
        try f.runAlone(1) { e, _ in e.action == .signalExit || (e.action == .takeBit && e.a == 0) }
        #expect(f[1].entry.onList, "A has not reached finish_wait")
        let walk = try f.finish(0)
        #expect(walk.contains { $0.action == .wakeVisit && $0.a == 1 })
        try f.runAlone(1) { _, _ in false }
        try f.roundRobin()
        if Self.wokenExclusiveCanFail(core) {
            #expect(f.result(1) == EINTR)
            #expect(f[1].entry.flags.contains(.woken) && !f[1].entry.flags.contains(.done))
            #expect(f.engine.enabledTasks(f.world).isEmpty && f.isAsleepQueued(2))
            #expect(!f.page(0).isLocked && f.page(0).flags.contains(.waiters))
        } else {
            #expect(f.world.allFinished)
            #expect(f.world.counters[1] == 1, "B got the lock")
            #expect(!f.page(0).isLocked)
        }
    }
}
