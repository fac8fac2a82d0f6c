// Local instructions are not steps (`runLocals` in Core/Ops/Op+Control.swift, `advance` in Execute.swift):
// jumps, branches, register moves, counters, `loadPage` and `exit` touch
// nothing another task can see, so they run inside the step before them
// (or, at a program's start, inside its first step). A task always rests on
// its next visible instruction or is finished; a run of local instructions
// that never reaches a visible one is BAD_PROGRAM. Also the preemption point
// (Program.swift `preemptionPoint`, Engine.step).

import Testing
import PagewaitCore

@Suite("Local instructions and preemption points")
struct LocalStepTests {
    static let r4: Register = 4
    static let r5: Register = 5

    @Test("leading local instructions run inside the first visible step, trailing ones (up to an exit) inside the last: one step in all, and the program is finished by it")
    func localsRunInsideVisibleSteps() throws {
        let ops: [Op] = [
            .set(rTmp, 5), .add(rTmp, 2), .loadPage(rTmp2, pfn: 0), .count(0),   // leading locals
            .testFlag(rPage, .locked, result: rResult),                           // the only visible op
            .move(Self.r4, from: rTmp), .count(0), .readCounter(0, into: Self.r5), .exit,
            .pause,                                                               // never reached
        ]
        var f = try Fixture(pages: [.locked(by: 0)], tasks: [TaskSpec(program: try Programs.ops("locals", ops))], counters: 1)
        let e = try f.step(0)
        #expect(e.action == .flagTest && e.site == .instruction(4) && e.b == 1)
        #expect(f[0].registers[Int(rTmp)] == 7)
        #expect(f[0].registers[Int(rTmp2)] == pageRegister(0))
        #expect(f[0].registers[Int(Self.r4)] == 7)
        #expect(f[0].registers[Int(Self.r5)] == 2, "both counts ran, the second after the visible step")
        #expect(f.world.counters == [2])
        #expect(f[0].finished, "exit ran inside the step: no exit step, the pause is never reached")
        #expect(f.log.count == 1)
        #expect(f.engine.enabledTasks(f.world).isEmpty)
        let v = violation { try f.step(0) }
        #expect(v?.kind == .notRunnable && v?.task == 0, "a finished task cannot be stepped again")
    }

    @Test("a program of local instructions only, or no instructions at all, finishes in one step reported as exit",
          arguments: [[Op.set(rTmp, 1), .count(0), .jump(4), .count(0)], []])
    func localOnlyProgram(ops: [Op]) throws {
        var f = try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: try Programs.ops("locals-only", ops))], counters: 1)
        #expect(f.engine.isEnabled(f.world, 0))
        let e = try f.step(0)
        #expect(e.action == .exit)
        #expect(f[0].finished)
        #expect(f.world.counters == [ops.isEmpty ? 0 : 1], "the jump skipped the second count")
        #expect(violation { try f.step(0) }?.kind == .notRunnable)
    }

    /// Task 0 takes ptl(0), pauses and drops it; task 1 runs locals, then
    /// takes and drops ptl(0).
    static func spinWorld() throws -> Fixture {
        let holder = try Programs.ops("holder", [.spinLock(.ptl(0)), .pause, .spinUnlock(.ptl(0))])
        let taker = try Programs.ops("taker", [.set(rTmp, 9), .count(0), .spinLock(.ptl(0)), .count(0), .spinUnlock(.ptl(0))])
        return try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: holder), TaskSpec(program: taker)], counters: 1)
    }

    @Test("leading locals that end on a lock that is taken are a step of their own (a .nothing event); the task is then not enabled, and when the lock is free its next step takes it without running the locals again")
    func leadingLocalsStopAtTakenLock() throws {
        var f = try Self.spinWorld()
        #expect(try f.step(0).action == .spinLock)
        #expect(f.engine.isEnabled(f.world, 1), "task 1 rests on a local instruction: enabled")
        let e = try f.step(1)
        #expect(e.action == .nothing && e.site == .instruction(2))
        #expect(f[1].pc == 2 && f[1].registers[Int(rTmp)] == 9 && f.world.counters == [1])
        #expect(f[1].heldLocks.isEmpty, "the lock was not taken")
        #expect(!f.engine.isEnabled(f.world, 1))
        #expect(violation { try f.step(1) }?.kind == .notRunnable)
        try f.finish(0)
        #expect(f.engine.isEnabled(f.world, 1))
        let take = try f.step(1)
        #expect(take.action == .spinLock && take.site == .instruction(2))
        #expect(f.world.counters == [2], "the leading count ran once; the count after spin_lock ran inline")
        #expect(f[1].pc == 4, "resting on spin_unlock")
        #expect(try f.step(1).action == .spinUnlock)
        #expect(f[1].finished && f.world.counters == [2])
    }

    @Test("control: leading locals that end on a free lock run in the same step as the spin_lock")
    func leadingLocalsWithFreeLock() throws {
        var f = try Self.spinWorld()
        let e = try f.step(1)
        #expect(e.action == .spinLock && e.site == .instruction(2))
        #expect(f[1].registers[Int(rTmp)] == 9 && f.world.counters == [2] && f[1].pc == 4)
        #expect(!f.engine.isEnabled(f.world, 0), "task 1 holds ptl(0)")
    }

    @Test("the locals after a wait or a wake run in its last step: the wait's end lands on unlock_page's U1 (the branch ran), and a count after unlock_page runs with the walk's end, which finishes the program",
          arguments: allCores)
    func localsAfterFrames(core: WaitCore) throws {
        let unlockCount = try Programs.build("unlock+count") { b in
            b.unlockPage(rPage)
            b.emit(.count(0))
        }
        let tasks = [TaskSpec(program: unlockCount), TaskSpec(program: try Programs.waitThenUnlock())]
        var f = try Fixture(config: KernelConfig(waitCore: core), pages: [.locked(by: 0)], tasks: tasks, counters: 1)
        try f.sleep(1)
        let walk = try f.finish(0)
        #expect(walk.last?.action == .wakeEnd)
        #expect(f.world.counters == [1] && f[0].finished, "the count ran inside the walk's last step")
        #expect(f.isWoken(1))
        let wait = try f.runAlone(1) { e, _ in e.action == .waitEnd }
        #expect(wait.last?.a == 0 && f.page(0).lockOwner == TaskID(1))
        #expect(f[1].frame == .none && f[1].pc == 2, "the branch on the result ran: resting on U1")
        let u1 = try f.step(1)
        #expect(u1.action == .unlockU1 && u1.a == 0)
        #expect(f[1].finished, "no waiters: the branch skips the wake, inline, and the program ends")
    }

    // No time limit: Swift Testing counts a case's wait for a thread of a
    // busy pool against it, and the whole suite's longest tests can hold
    // both threads of a two-core machine for minutes.
    @Test("a run of local instructions that never reaches a visible one is BAD_PROGRAM, not a hang: a jump to itself (at the start, or after a visible step), branches that bounce between each other, a counting loop that never ends",
          arguments: [
            [Op.jump(0)],
            [Op.pause, .jump(1)],
            [Op.branch(rTmp, .equal, 0, to: 1), .branch(rTmp, .equal, 0, to: 0)],
            [Op.pause, .add(rTmp, 1), .branch(rTmp, .notEqual, 0, to: 1), .pause],
          ])
    func localLoopIsBadProgram(ops: [Op]) throws {
        var f = try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: try Programs.ops("spin", ops))])
        let v = try #require(violation { try f.step(0) })
        #expect(v.kind == .badProgram && v.task == 0)
        #expect(!v.detail.isEmpty)
        // Through a run, too: the first step is the violation.
        let g = try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: try Programs.ops("spin", ops))])
        let r = g.engine.replay(g.world, schedule: Schedule([0, 0]))
        #expect(r.end == .violation && r.violation?.kind == .badProgram && r.violation?.step == 0)
    }

    /// `n` local instructions in a row, then a pause.
    static func localRun(_ n: Int) throws -> Fixture {
        let ops = Array(repeating: Op.add(rTmp, 1), count: n) + [.pause]
        return try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: try Programs.ops("long", ops))])
    }

    /// A local loop that counts r2 up to `n`: `n` backward branches taken,
    /// then a pause.
    static func localLoop(_ n: Int) throws -> Fixture {
        let ops: [Op] = [.add(rTmp, 1), .branch(rTmp, .less, Int64(n) + 1, to: 0), .pause]
        return try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: try Programs.ops("loop", ops))])
    }

    @Test("a straight run of local instructions never loops, however long: 50,000 in a row run in one step, and runs separated by a visible step too")
    func longStraightRun() throws {
        var ok = try Self.localRun(50_000)
        #expect(try ok.step(0).action == .nothing)
        #expect(ok[0].finished && ok[0].registers[Int(rTmp)] == 50_000)

        let half = Array(repeating: Op.add(rTmp, 1), count: 30_000)
        var split = try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: try Programs.ops("split", half + [.pause] + half + [.pause]))])
        try split.finish(0)
        #expect(split.log.count == 2 && split[0].registers[Int(rTmp)] == 60_000)
    }

    @Test("a local loop may take at most 10,000 backward branches without a step: exactly 10,000 is fine, 10,001 is BAD_PROGRAM")
    func localRunLimit() throws {
        var ok = try Self.localLoop(10_000)
        let v = violation { try ok.step(0) }
        #expect(v == nil, "\(v.map { "\($0)" } ?? "")")
        #expect(ok[0].finished && ok[0].registers[Int(rTmp)] == 10_001)

        var over = try Self.localLoop(10_001)
        let w = try #require(violation { try over.step(0) })
        #expect(w.kind == .badProgram && w.detail.contains("10000 backward jumps or branches"), "\(w)")
    }

    // MARK: preemption points

    @Test("a preemption point is a visible no-op step that sets preemptHint (the locals after it run inline); other tasks' steps leave the hint; the task's own next step clears it")
    func preemptionPointSetsHint() throws {
        let ops: [Op] = [.preemptionPoint(permille: 250), .set(rTmp, 7), .testFlag(rPage, .locked, result: rResult)]
        let tasks = [TaskSpec(program: try Programs.ops("pp", ops)), TaskSpec(program: try Programs.ops("other", [.pause, .pause]))]
        var f = try Fixture(pages: [PageSpec()], tasks: tasks)
        #expect(f[0].preemptHint == 0)
        let flags = f.page(0).flags
        let e = try f.step(0)
        #expect(e.action == .nothing && e.a == 250 && e.site == .instruction(0))
        #expect(f[0].preemptHint == 250)
        #expect(f[0].pc == 2 && f[0].registers[Int(rTmp)] == 7, "the set after it ran inline")
        #expect(f.page(0).flags == flags && !f[0].finished)
        try f.step(1)
        #expect(f[0].preemptHint == 250, "another task's step does not clear it")
        #expect(f[1].preemptHint == 0)
        let next = try f.step(0)
        #expect(next.action == .flagTest)
        #expect(f[0].preemptHint == 0, "the task's next step cleared it")
    }

    @Test("the step after a preemption point clears the hint whatever it is: the first step of a wait, a wait-core step, a wake-walk step",
          arguments: allCores)
    func preemptHintClearedByFrameSteps(core: WaitCore) throws {
        let waiter = try Programs.ops("pp+wait", [.preemptionPoint(permille: 900),
                                                  .waitOnPageBit(rPage, .locked, .uninterruptible, behavior: BehaviorID.exclusive, result: rResult)])
        let tasks = [TaskSpec(program: try Programs.unlock()), TaskSpec(program: waiter)]
        var f = try Fixture(config: KernelConfig(waitCore: core), pages: [.locked(by: 0)], tasks: tasks)
        try f.step(1)
        #expect(f[1].preemptHint == 900)
        let begin = try f.step(1)
        #expect(begin.action == .waitBegin && f[1].frame.kind == .wait)
        #expect(f[1].preemptHint == 0, "cleared by the wait's first step")
        // Only a preemption point sets the hint, and the task then rests in
        // frame .none; a scheduler-visible hint still left over when a frame
        // step runs (set here by hand) is cleared the same way.
        f.world.tasks[1].preemptHint = 400
        let inWait = try f.step(1)
        if case .wait = inWait.site {} else { Issue.record("expected a wait-core step, got \(inWait)") }
        #expect(f[1].preemptHint == 0, "cleared by a wait-core step")
        try f.sleep(1)
        #expect(try f.step(0).action == .unlockU1)
        #expect(try f.step(0).action == .wakeBegin && f[0].frame.kind == .wake)
        f.world.tasks[0].preemptHint = 300
        let visit = try f.step(0)
        #expect(visit.action == .wakeVisit)
        #expect(f[0].preemptHint == 0, "cleared by a wake-walk step")
    }
}
