// ProgramBuilder and the engine's load-time validation (Engine.swift):
// a bad program fails once, at load, with a ProgramError naming the place.

import Testing
import PagewaitCore

@Suite("Programs")
struct ProgramTests {
    @Test("a label used but never bound makes build() throw a ProgramError naming the program and the jump's pc")
    func unboundLabel() {
        var b = ProgramBuilder(name: "broken")
        let nowhere = b.label()
        b.emit(.pause)
        b.branch(rResult, .equal, 0, to: nowhere)
        let e = #expect(throws: ProgramError.self) { try b.build() }
        #expect(e?.program == "broken" && e?.pc == 1)
    }

    @Test("labels resolve forwards and backwards; kernel helpers are attributed to their kernel function")
    func labelsResolve() throws {
        var b = ProgramBuilder(name: "loop")
        let top = b.label(), out = b.label()
        b.bind(top)
        b.emit(.add(rTmp, -1))
        b.branch(rTmp, .equal, 0, to: out)
        b.jump(to: top)
        b.bind(out)
        b.lockPage(rPage)
        let p = try b.build()
        #expect(p.instructions[1].op == .branch(rTmp, .equal, 0, to: 3))
        #expect(p.instructions[2].op == .jump(0))
        #expect(p.instructions[3].function == "lock_page" && p.instructions[3].op == .trylockPage(rPage, result: ProgramBuilder.scratch))
        #expect(p.instructions[0].function == "loop")
    }

    @Test("an Op holds its domain's payload inline: no larger than the flat enum it replaced (21 bytes, stride 24), an Instruction 40 bytes")
    func opStaysInline() {
        // The engine keeps one array of Ops and the step loop switches on
        // them: a boxed (indirect) domain would cost an allocation per op
        // and a pointer chase per step.
        #expect(MemoryLayout<Op>.size <= 21)
        #expect(MemoryLayout<Op>.stride <= 24)
        #expect(MemoryLayout<Instruction>.stride <= 40)
    }

    static func loads(_ ops: [Op], behaviors: [any WaitBehavior] = []) -> ProgramError? {
        do {
            _ = try Engine(programs: [Program(name: "p", instructions: ops.map { Instruction($0, in: "f") })], behaviors: behaviors)
            return nil
        } catch {
            return error
        }
    }

    @Test("Engine.init rejects an out-of-range register, jump target, behaviour index, or a wait/wake on a bit other than PG_locked/PG_writeback",
          arguments: [
            ([Op.set(Register(TaskState.registerCount), 1)], 0),
            ([Op.pause, .testFlag(rPage, .locked, result: Register(TaskState.registerCount))], 1),
            ([Op.jump(-1)], 0),
            ([Op.pause, .jump(3)], 1),
            ([Op.branch(rResult, .less, 0, to: 2)], 0),
            ([Op.waitOnPageBit(rPage, .locked, .uninterruptible, behavior: 3, result: rResult)], 0),
            ([Op.waitOnPageBit(rPage, .dirty, .uninterruptible, behavior: 0, result: rResult)], 0),
            ([Op.wakeUpPageBit(rPage, .uptodate)], 0),
          ])
    func rejectsBadPrograms(ops: [Op], pc: Int) {
        let e = Self.loads(ops)
        #expect(e?.pc == pc, "\(ops)")
        #expect(e?.program == "p")
    }

    @Test("in-range programs load: a jump to the end, the last register, the standard behaviours, and index 3 once a plugin behaviour is appended")
    func acceptsGoodPrograms() {
        let last = Register(TaskState.registerCount - 1)
        #expect(Self.loads([.pause, .jump(2)]) == nil)
        #expect(Self.loads([.set(last, 1)]) == nil)
        #expect(Self.loads([.waitOnPageBit(rPage, .writeback, .killable, behavior: BehaviorID.drop, result: rResult)]) == nil)
        #expect(Self.loads([.waitOnPageBit(rPage, .locked, .uninterruptible, behavior: 3, result: rResult)], behaviors: [LoopingDrop()]) == nil)
        #expect(Self.loads([.waitOnPageBit(rPage, .locked, .uninterruptible, behavior: 4, result: rResult)], behaviors: [LoopingDrop()]) != nil)
    }

    @Test("a plugin behaviour gets index 3 after EXCLUSIVE, SHARED, DROP")
    func behaviourTable() throws {
        let e = try Engine(programs: [], behaviors: [LoopingDrop()])
        #expect(e.behaviors.map(\.name) == ["EXCLUSIVE", "SHARED", "DROP", "DROP-LOOPS"])
        #expect(BehaviorID.exclusive == 0 && BehaviorID.shared == 1 && BehaviorID.drop == 2)
    }

    @Test("an uncontended lock_page/unlock_page is two steps: the trylock (its branch, the set of the result and the critical section's count run inline) and U1, which sees no waiters and skips the walk; the task is then finished")
    func uncontendedLockUnlock() throws {
        // r1 starts non-zero so that only lock_page's `set(result, 0)` can zero it.
        var f = try Fixture(pages: [PageSpec()],
                            tasks: [TaskSpec(program: try Programs.lockCountUnlock(counter: 0), registers: [99])], counters: 1)
        let lock = try f.step(0)
        #expect(lock.action == .trylock && lock.a == 1)
        // trylock succeeded: the branch to gotIt, set(r1, 0), the branch on
        // r1 and count(0) all ran in this step; the task rests on U1.
        #expect(f.result(0) == 0 && f.world.counters == [1])
        #expect(f.page(0).isLocked && f.page(0).lockOwner == TaskID(0))
        #expect(f[0].pc == f.engine.programs[0].instructions.firstIndex { if case .flag(.clearLockedTestWaiters) = $0.op { true } else { false } }.map(Int32.init))
        #expect(!f[0].finished)
        let unlock = try f.step(0)
        #expect(unlock.action == .unlockU1 && unlock.a == 0)
        // U1 saw no waiters: the branch skips wake_up_page_bit, inline, and
        // the program's end is reached in the same step (no exit step).
        #expect(f[0].finished)
        #expect(f.log.map(\.action) == [.trylock, .unlockU1])
        #expect(!f.page(0).isLocked && f.world.queue.isEmpty && f.world.stats.wakeCalls == 0)
        #expect(violation { try f.step(0) }?.kind == .notRunnable, "a finished task cannot be stepped again")
    }
}
