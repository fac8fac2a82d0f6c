// Core's always-on checks (kernel-model §4 I1, I2): each failure is a
// `Violation` value naming the task and the page, thrown by `step`, never a
// crash; the world is left as it was before the offending step.

import Testing
import PagewaitCore

@Suite("Always-on checks")
struct InvariantTests {
    /// Run `order`, then expect the last step to throw `kind` for `task` on
    /// pfn 0 and leave the world untouched.
    static func expectViolation(_ f: inout Fixture, _ order: [Int], _ kind: ViolationKind, task: Int,
                                assertion: KernelAssertion? = nil, worldUnchanged: Bool = true) throws {
        try f.run(Array(order.dropLast()))
        let before = f.world
        let v = try #require(violation { try f.step(order.last!) })
        #expect(v.kind == kind)
        #expect(v.assertion == assertion, "\(v)")
        #expect(v.task == task)
        #expect(v.pfn == 0)
        #expect(!v.function.isEmpty && !v.detail.isEmpty)
        if worldUnchanged { #expect(f.world == before) }
    }

    @Test("BUG put_page_testzero: a put by a task the ledger counts as a holder, after the refcount already reached 0 (an injected imbalance, F9)")
    func putOnZero() throws {
        let put = try Programs.ops("put", [.putPage(rPage)])
        var f = try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: put), TaskSpec(program: put)])
        f.world.pages[0].refcount = 1               // the ledger says 2
        #expect(f.world.ledgerMismatches().count == 1)
        try Self.expectViolation(&f, [0, 1], .bug, task: 1, assertion: .putPageTestzero)
    }

    @Test("BUG put_page_testzero: a put while another task has the page frozen (F9); the report says who froze it")
    func putOnFrozen() throws {
        let tasks = [
            TaskSpec(program: try Programs.ops("freeze", [.pageRefFreeze(rPage, expected: 2, result: rResult)])),
            TaskSpec(program: try Programs.ops("put", [.putPage(rPage)])),
        ]
        var f = try Fixture(pages: [PageSpec()], tasks: tasks)
        try Self.expectViolation(&f, [0, 1], .bug, task: 1, assertion: .putPageTestzero)
        #expect(f.result(0) == 1 && f.page(0).life == .frozen)
        let v = try #require(violation { try f.step(1) })
        #expect(v.description.hasPrefix("BUG: task 1 pfn 0 in "), "\(v)")
        #expect(v.detail.contains("VM_BUG_ON_PAGE(page_ref_count(page) == 0) in put_page_testzero") && v.detail.contains("frozen by task 0"), "\(v)")
    }

    @Test("BUG get_page: get_page on a frozen page (refcount 0); only get_page_unless_zero may try")
    func getOnZero() throws {
        let tasks = [
            TaskSpec(program: try Programs.ops("freeze", [.pageRefFreeze(rPage, expected: 2, result: rResult)])),
            TaskSpec(program: try Programs.ops("get", [.getPage(rPage)])),
        ]
        var f = try Fixture(pages: [PageSpec()], tasks: tasks)
        try Self.expectViolation(&f, [0, 1], .bug, task: 1, assertion: .getPage)
    }

    @Test("UNLOCK_BY_NON_OWNER: PG_locked cleared by a task that does not hold it, through unlock_page, the non-atomic clear, or ClearPageLocked",
          arguments: [
            [Op.clearLockedTestWaiters(rPage, result: rResult)],
            [Op.nonAtomicClearRead(rPage), .nonAtomicClearWrite(rPage)],
            [Op.clearFlag(rPage, .locked)],
          ])
    func unlockByNonOwner(ops: [Op]) throws {
        let tasks = [TaskSpec(program: try Programs.idle()), TaskSpec(program: try Programs.ops("unlock", ops))]
        var f = try Fixture(pages: [.locked(by: 0)], tasks: tasks)
        try Self.expectViolation(&f, Array(repeating: 1, count: ops.count), .unlockByNonOwner, task: 1)
        #expect(f.page(0).lockOwner == TaskID(0) && f.page(0).isLocked)
    }

    @Test("BAD_PAGE: the last put frees a page that is still locked")
    func badPageOnPut() throws {
        var f = try Fixture(pages: [.locked(by: 0)], tasks: [TaskSpec(program: try Programs.ops("put", [.putPage(rPage)]))])
        // The check comes before the put changes anything: the world is
        // exactly as it was (refcount, ledger, life, flags, the task's pc).
        try Self.expectViolation(&f, [0], .badPage, task: 0)
        #expect(f.page(0).refcount == 1 && f.page(0).life == .inUse, "the reference was not dropped")
        #expect(f.world.ledgerMismatches().isEmpty, "the ledger still counts task 0's reference")
        #expect(f.page(0).isLocked && f.page(0).lockOwner == TaskID(0), "the flags were not cleared")
        #expect(f[0].pc == 0 && !f[0].finished, "the task did not move past the put")
    }

    @Test("BAD_PAGE: reclaim frees a frozen page that is still locked (the clear was skipped)")
    func badPageOnFreeFrozen() throws {
        let ops: [Op] = [.pageRefFreeze(rPage, expected: 1, result: rResult), .freeFrozenPage(rPage)]
        var f = try Fixture(pages: [.locked(by: 0)], tasks: [TaskSpec(program: try Programs.ops("reclaim", ops))])
        try Self.expectViolation(&f, [0, 0], .badPage, task: 0)
    }

    @Test("a run stops at the first violation: RunResult.end is .violation and the violation carries the schedule index")
    func runStopsAtViolation() throws {
        let put = try Programs.ops("put", [.putPage(rPage)])
        var f = try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: put), TaskSpec(program: put)])
        f.world.pages[0].refcount = 1
        let r = f.engine.replay(f.world, schedule: Schedule([0, 1, 0]))
        #expect(r.end == .violation)
        #expect(r.violation?.kind == .bug && r.violation?.assertion == .putPageTestzero && r.violation?.step == 1 && r.violation?.task == 1)
        #expect(r.steps == 2)
    }

    @Test("scheduling a task that cannot run is a NOT_RUNNABLE violation: no such task, finished, or asleep")
    func notRunnable() throws {
        let tasks = [TaskSpec(program: try Programs.idle()), TaskSpec(program: try Programs.wait(BehaviorID.exclusive))]
        var f = try Fixture(pages: [.locked(by: 0)], tasks: tasks)
        #expect(violation { try f.step(7) }?.kind == .notRunnable)
        try f.finish(0)
        #expect(violation { try f.step(0) }?.kind == .notRunnable)
        try f.sleep(1)
        let v = violation { try f.step(1) }
        #expect(v?.kind == .notRunnable && v?.task == 1)
    }

    @Test("a task spinning on a held bucket lock is not enabled until the lock is free")
    func bucketLockExcludes() throws {
        let tasks = [TaskSpec(program: try Programs.wait(BehaviorID.exclusive)), TaskSpec(program: try Programs.unlock())]
        var f = try Fixture(pages: [.locked(by: 1, flags: [.waiters])], tasks: tasks)
        try f.run([0, 0])                             // begin, spin_lock(q->lock)
        #expect(f.world.bucketLocked(f.bucket(0)))
        #expect(f.engine.isEnabled(f.world, 1), "U1 takes no lock")
        let u1 = try f.step(1)                        // U1 (the branch runs inline): the walk needs q->lock
        #expect(u1.action == .unlockU1 && u1.a == 1)
        #expect(f[1].frame == .none && f[1].pc == 2, "task 1 rests on wake_up_page_bit, not yet begun")
        #expect(!f.engine.isEnabled(f.world, 1))
        #expect(!f.engine.enabledTasks(f.world).contains(1))
        #expect(violation { try f.step(1) }?.kind == .notRunnable)
        try f.runAlone(0) { _, w in !w.bucketLocked(0) }
        #expect(f.engine.isEnabled(f.world, 1))
    }
}
