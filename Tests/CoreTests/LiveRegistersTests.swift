// The live-register analysis behind the search's dead-register reduction
// (`LiveRegisters`): a register is live before an instruction when some
// path from it reads the register before writing it.

import Testing
@testable import PagewaitCore

@Suite("Live registers")
struct LiveRegistersTests {
    /// The registers live before each instruction of a one-program engine.
    func live(_ ops: [Op]) throws -> [Set<Register>] {
        let engine = try Engine(programs: [Program(name: "p", instructions: ops.map { Instruction($0, in: "f") })])
        return ops.indices.map { pc in Set((0..<Register(TaskState.registerCount)).filter { engine.liveRegisters.isLive($0, program: 0, pc: pc) }) }
    }

    @Test("a loop: the page and the counter are live through it, nothing before the page is formed, nothing after the last read")
    func loop() throws {
        let sets = try live([
            .loadPage(1, pfn: PFN(rawValue: 0)),  // 0
            .set(2, 0),                           // 1
            .branch(2, .greaterOrEqual, 2, to: 6),            // 2
            .getPage(1),                          // 3
            .add(2, 1),                           // 4
            .jump(2),                             // 5
            .putPage(1),                          // 6
            .exit,                                // 7
        ])
        #expect(sets == [[], [1], [1, 2], [1, 2], [1, 2], [1, 2], [1], []])
    }

    @Test("a result register is dead before the operation that writes it, unless the operation also reads it")
    func results() throws {
        let sets = try live([.trylockPage(0, result: 3), .branch(3, .equal, 1, to: 2), .putPage(0)])
        #expect(sets[0] == [0], "trylock_page writes r3 and reads r0")
        let same = try live([.trylockPage(0, result: 0), .branch(0, .equal, 1, to: 2), .exit])
        #expect(same[0] == [0], "a result written over the page operand: the operand is still read first")
    }

    @Test("a register written only when an operation succeeds stays live across it")
    func conditionalWrite() throws {
        // alloc_page writes the page register only on success; the branch
        // after it may read the value from before.
        let sets = try live([.set(1, 9), .allocPage(pfn: PFN(rawValue: 1), into: 1, result: 4), .branch(1, .equal, 9, to: 3), .exit])
        #expect(sets[1] == [1], "r1 is read after a failed alloc_page; r4 is always written")
    }

    @Test("a wait's result register is dead before it; its page is live")
    func wait() throws {
        let sets = try live([.waitOnPageBit(0, .locked, .uninterruptible, behavior: BehaviorID.exclusive, result: 5), .branch(5, .equal, 0, to: 2), .exit])
        #expect(sets[0] == [0])
        #expect(sets[1] == [5])
    }

    @Test("a finished task, or one at the end of its program, has no live register")
    func finished() throws {
        let engine = try Engine(programs: [Program(name: "p", instructions: [Instruction(.getPage(0), in: "f")])])
        var s = TaskState(program: 0)
        #expect(withUnsafePointer(to: s) { engine.liveRegisters.live($0) } == 1)
        s.pc = 1
        #expect(withUnsafePointer(to: s) { engine.liveRegisters.live($0) } == 0)
        s.pc = 0
        s.finished = true
        #expect(withUnsafePointer(to: s) { engine.liveRegisters.live($0) } == 0)
    }
}
