// The v4.10 wait loop (signal checked after the sleep, before the bit) and
// what an exclusive waiter that leaves on a signal does about a wake that
// chose it (ExclusiveAbort: none, retake, passOn, handoff): kernel-model
// §2.13, §2.14; known-bugs Z6, Z8, Z19.

import Testing
import PagewaitCore

@Suite("Exclusive waiters leaving on a signal")
struct ExclusiveAbortTests {
    /// H (0) holds the page and unlocks it; A (1) lock_page_killable; B (2)
    /// lock_page; S (3) SIGKILL to A; optionally C (4) trylock then unlock.
    static func world(_ core: WaitCore, stealer: Bool = false) throws -> Fixture {
        var tasks = [
            TaskSpec(program: try Programs.unlock()),
            TaskSpec(program: try Programs.lockCountUnlock(counter: 0, .killable)),
            TaskSpec(program: try Programs.lockCountUnlock(counter: 1)),
            TaskSpec(program: try Programs.signal(1), holdsReference: false),
        ]
        if stealer { tasks.append(TaskSpec(program: try Programs.trylock(thenUnlock: true))) }
        return try Fixture(config: KernelConfig(waitCore: core), pages: [.locked(by: 0)], tasks: tasks, counters: 2)
    }

    /// Nobody asleep, the page unlocked, B got the lock once.
    static func expectNobodyLeft(_ f: Fixture, _ comment: Comment? = nil) {
        #expect(f.world.allFinished, comment)
        #expect(!f.page(0).isLocked, comment)
        #expect(f.world.counters[1] == 1, "B got the lock")
    }

    // MARK: Z6 — the v4.10 loop

    /// A and B asleep behind H; H's unlock walk wakes A (the one exclusive
    /// wake); SIGKILL reaches A before A runs again.
    static func killedAfterChosen(_ core: WaitCore) throws -> Fixture {
        var f = try world(core)
        try f.sleep(1)
        try f.sleep(2)
        #expect(f.queued(0) == [1, 2])
        let walk = try f.finish(0)
        #expect(walk.filter { $0.action == .wakeVisit }.map(\.a) == [1], "the walk stops after A")
        try f.finish(3)
        return f
    }

    @Test("Z6 (62906027091f, v4.10): A, chosen by the walk and then killed, checks the signal before the bit and returns -EINTR; B sleeps on a clear PG_locked with PG_waiters set. The v4.19 order (a8b169afbf06) takes the bit first: A returns 0 and its unlock wakes B")
    func v410LosesTheWake() throws {
        var old = try Self.killedAfterChosen(.v4_10)
        let a = try old.finish(1)
        #expect(a.contains { $0.action == .signalExit }, "the signal check comes first")
        #expect(!a.contains { $0.action == .takeBit }, "the bit is never tried")
        #expect(old.result(1) == EINTR)
        #expect(old.engine.enabledTasks(old.world).isEmpty && old.isAsleepQueued(2))
        #expect(!old.page(0).isLocked && old.page(0).flags.contains(.waiters))

        var fixed = try Self.killedAfterChosen(.v4_19)
        try fixed.finish(1)
        #expect(fixed.result(1) == 0, "it took the lock although killed")
        try fixed.roundRobin()
        Self.expectNobodyLeft(fixed)
    }

    @Test("v4.10: a waiter that finds the bit clear when it tests it (no sleep) tries it without looking at signals; one whose test-and-set fails goes straight round again, and only after its next sleep does a pending kill end the wait")
    func v410SignalOnlyAfterSleep() throws {
        var f = try Self.world(.v4_10)
        try f.finish(3)                                   // the kill is pending from the start
        try f.runAlone(1) { e, _ in e.action == .setState } // A queued, TASK_KILLABLE
        try f.finish(0)                                   // H unlocks; its walk wakes A
        let a = try f.finish(1)
        #expect(!a.contains { $0.action == .signalExit })
        #expect(f.result(1) == 0 && f.world.counters[0] == 1, "the bit won over the pending kill")

        var g = try Self.world(.v4_10, stealer: true)
        try g.runAlone(1) { e, _ in e.action == .setState }
        try g.finish(0)
        let test = try g.step(1)
        #expect(test.action == .bitTest && test.a == 0, "A's test: bit clear, no sleep")
        #expect(try g.step(4).a == 1, "C steals")
        try g.finish(3)                                   // SIGKILL
        let take = try g.step(1)
        #expect(take.action == .takeBit && take.a == 0)
        let again = try g.runAlone(1) { e, _ in e.action == .signalExit || e.action == .waitEnd }
        #expect(again.first?.action == .queueLock, "round again without a signal check")
        #expect(again.contains { $0.action == .queued }, "queued at the tail again")
        #expect(again.last?.action == .signalExit, "the kill ends the wait after the sleep")
    }

    // MARK: Z8 — abort_exclusive_wait

    @Test("Z8 (777c6c5f1f6e): with abort_exclusive_wait the chosen, killed A takes q->lock, finds its entry unlinked by the walk and wakes the next exclusive waiter: B gets the lock. Without it (the v4.10 loop alone) B sleeps",
          arguments: [ExclusiveAbort.none, .passOn])
    func abortPassesTheWakeOn(rule: ExclusiveAbort) throws {
        var f = try Self.killedAfterChosen(WaitCore.v4_10.aborting(rule))
        try f.roundRobin()
        #expect(f.result(1) == EINTR)
        if rule == .passOn {
            Self.expectNobodyLeft(f)
            #expect(f.log.contains { $0.action == .wakeBegin && $0.b == 2 && $0.task == TaskID(1) }, "A walked the bucket")
            #expect(f.log.contains { $0.action == .wakeVisit && $0.task == TaskID(1) && $0.a == 2 && $0.b == 1 }, "A's walk woke B")
        } else {
            #expect(f.isAsleepQueued(2))
        }
    }

    @Test("abort_exclusive_wait of a waiter no wake chose (killed while asleep, still queued) only unlinks its entry: no walk, PG_waiters left as it was")
    func abortOfQueuedWaiterOnlyUnlinks() throws {
        var f = try Self.world(WaitCore.v4_10.aborting(.passOn))
        try f.sleep(1)
        try f.sleep(2)
        try f.finish(3)
        let a = try f.finish(1)
        #expect(f.result(1) == EINTR)
        #expect(!a.contains { $0.action == .wakeBegin }, "nothing to pass on")
        #expect(f.queued(0) == [2] && f.page(0).flags.contains(.waiters))
        try f.roundRobin()
        Self.expectNobodyLeft(f)
    }

    // MARK: Z19 — the v5.9 core

    /// A and B queued behind H under the v5.9 core; SIGKILL; A leaves its
    /// loop on the signal (no WOKEN yet); H's walk then reaches A — bit clear,
    /// no CUSTOM — marks it WOKEN without DONE and stops.
    static func chosenAfterSignalCheck(_ core: WaitCore, stealer: Bool = false) throws -> Fixture {
        var f = try world(core, stealer: stealer)
        try f.sleep(1)
        try f.sleep(2)
        try f.finish(3)
        try f.runAlone(1) { e, _ in e.action == .signalExit }
        #expect(f[1].entry.onList, "A has not reached finish_wait")
        let walk = try f.finish(0)
        #expect(walk.filter { $0.action == .wakeVisit }.map(\.a) == [1])
        #expect(f[1].entry.flags.contains(.woken) && !f[1].entry.flags.contains(.done))
        return f
    }

    @Test("Z19 (5ef64cc8987a, unfairness ≥ 1): A returns -EINTR, WOKEN without DONE; B sleeps on a clear PG_locked, PG_waiters set", arguments: [5, 1])
    func unfairLosesTheWake(unfairness: Int) throws {
        var f = try Self.chosenAfterSignalCheck(.v5_9(unfairness: unfairness))
        try f.roundRobin()
        #expect(f.result(1) == EINTR)
        #expect(f.engine.enabledTasks(f.world).isEmpty && f.isAsleepQueued(2))
        #expect(!f.page(0).isLocked && f.page(0).flags.contains(.waiters))
    }

    @Test("retake: after finish_wait the WOKEN, not DONE A test-and-sets PG_locked, wins, returns 0 despite the kill and owns the lock (DONE); its unlock wakes B",
          arguments: [WaitCore.v5_9(unfairness: 5).aborting(.retake), WaitCore.v5_9(unfairness: 1).aborting(.retake)])
    func retakeWins(core: WaitCore) throws {
        var f = try Self.chosenAfterSignalCheck(core)
        let a = try f.runAlone(1) { e, _ in e.action == .waitEnd }
        #expect(a.last?.a == 0)
        #expect(f.page(0).lockOwner == TaskID(1) && f[1].entry.flags.contains(.done))
        try f.roundRobin()
        #expect(f.world.counters[0] == 1, "A ran its critical section")
        Self.expectNobodyLeft(f)
    }

    @Test("retake loses to a stealer: C takes PG_locked between the walk and A's retake; A returns -EINTR holding nothing, and C's unlock walks to B",
          arguments: [WaitCore.v5_9(unfairness: 5).aborting(.retake), WaitCore.v4_10.aborting(.retake)])
    func retakeLosesToAStealer(core: WaitCore) throws {
        var f: Fixture
        if core == WaitCore.v4_10.aborting(.retake) {
            f = try Self.world(core, stealer: true)
            try f.sleep(1)
            try f.sleep(2)
            try f.finish(0)                              // H's walk wakes A
            try f.finish(3)                              // SIGKILL: A's next check fails the wait
        } else {
            f = try Self.chosenAfterSignalCheck(core, stealer: true)
        }
        #expect(try f.step(4).a == 1, "C steals")
        let a = try f.runAlone(1) { e, _ in e.action == .waitEnd }
        #expect(a.last?.a == EINTR)
        #expect(f.page(0).lockOwner == TaskID(4))
        let c = try f.finish(4)
        #expect(c.contains { $0.action == .wakeVisit && $0.a == 2 }, "C's unlock reaches B")
        try f.roundRobin()
        Self.expectNobodyLeft(f)
    }

    @Test("pass-on (v5.9): the WOKEN, not DONE A walks the bucket again under q->lock; the walk wakes B, which takes the bit itself")
    func passOnWakesB() throws {
        var f = try Self.chosenAfterSignalCheck(WaitCore.v5_9(unfairness: 5).aborting(.passOn))
        let a = try f.runAlone(1) { e, _ in e.action == .wakeEnd }
        #expect(a.contains { $0.action == .wakeBegin && $0.b == 2 })
        #expect(a.contains { $0.action == .wakeVisit && $0.a == 2 && $0.b == 1 })
        #expect(f.result(1) == EINTR)
        try f.roundRobin()
        Self.expectNobodyLeft(f)
    }

    @Test("pass-on (v5.9) when the lock is handed over meanwhile: A asked for a handoff (unfairness 0) and left on the signal; between its finish_wait and its abort the walk takes the bit for it; the abort finds DONE, A returns 0 and passes nothing on")
    func passOnAfterHandoffKeepsTheLock() throws {
        var f = try Self.world(WaitCore.v5_9(unfairness: 0).aborting(.passOn))
        try f.sleep(1)
        try f.sleep(2)
        try f.finish(3)
        try f.runAlone(1) { e, _ in e.action == .signalExit }
        try f.step(1)                                     // finish_wait: RUNNING, the abort is next
        #expect(!f[1].entry.flags.contains(.done) && f[1].entry.onList)
        try f.finish(0)                                   // the walk hands A the lock
        #expect(f[1].entry.flags.contains(.done))
        let a = try f.runAlone(1) { e, _ in e.action == .waitEnd }
        #expect(a.last?.a == 0 && !a.contains { $0.action == .wakeBegin })
        try f.roundRobin()
        Self.expectNobodyLeft(f)
    }

    @Test("handoff: a TASK_KILLABLE waiter asks for the handoff (CUSTOM) on its first queueing, an uninterruptible one does not; the walk takes the bit for A, which returns 0 although killed")
    func handoffForSignallableWaiters() throws {
        var f = try Self.world(WaitCore.v5_9(unfairness: 5).aborting(.handoff))
        try f.sleep(1)
        try f.sleep(2)
        #expect(f[1].entry.flags.contains(.custom) && !f[2].entry.flags.contains(.custom))
        try f.finish(3)
        try f.runAlone(1) { e, _ in e.action == .signalExit }
        try f.finish(0)
        #expect(f[1].entry.flags.contains(.done) && f.page(0).lockOwner == TaskID(1))
        try f.roundRobin()
        #expect(f.result(1) == 0)
        Self.expectNobodyLeft(f)
    }

    @Test("every interleaving of H, A (killable), B, SIGKILL to A — and of the same with a stealer — ends with nobody asleep and the page unlocked under each rule that guards the exclusive wake; under none, the v4.10 and v5.9(5) cores reach a state where B sleeps on a clear bit",
          arguments: [true, false])
    func exhaustive(stealer: Bool) throws {
        let guarded: [WaitCore] = [
            WaitCore.v4_10.aborting(.passOn), WaitCore.v4_10.aborting(.retake),
            WaitCore.v5_9(unfairness: 5).aborting(.retake), WaitCore.v5_9(unfairness: 5).aborting(.passOn),
            WaitCore.v5_9(unfairness: 5).aborting(.handoff), WaitCore.v5_9(unfairness: 1).aborting(.retake),
        ]
        for core in guarded {
            let f = try Self.world(core, stealer: stealer)
            var ends = 0
            try explore(f.engine, from: f.world) { w in
                ends += 1
                #expect(w.allFinished, "\(core): a task is left asleep")
                #expect(!w.pages[0].isLocked, "\(core)")
            }
            #expect(ends > 0)
        }
        for core in [WaitCore.v4_10, .v5_9(unfairness: 5)] {
            let f = try Self.world(core, stealer: stealer)
            var lost = false
            try explore(f.engine, from: f.world) { w in
                if !w.allFinished && !w.pages[0].isLocked && w.tasks[2].blocked { lost = true }
            }
            #expect(lost, "\(core)")
        }
    }

    @Test("the rule is part of the core's identity and its description; the requeue bound stays the core's")
    func identity() {
        let base = WaitCore.v5_9(unfairness: 5)
        #expect(Set(ExclusiveAbort.allCases.map { base.aborting($0) }).count == ExclusiveAbort.allCases.count)
        #expect(base.aborting(.none) == base && base.description == "v5.9(unfairness 5)")
        #expect(base.aborting(.retake).description == "v5.9(unfairness 5) + retake after finish_wait")
        #expect(ExclusiveAbort.allCases.allSatisfy { base.aborting($0).maxRequeues == 5 })
        #expect(WaitCore.v4_10.maxRequeues == nil && WaitCore.v5_9a.maxRequeues == 0)
    }
}
