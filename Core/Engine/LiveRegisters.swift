// Which registers a task's future can still read: the dead-variable
// reduction of explicit-state model checkers (SPIN resets dead locals
// before storing a state; Holzmann, "The SPIN Model Checker", 2003, on
// its data-flow optimisations). Two states that differ only in a register
// every path from the task's pc writes before it reads behave alike step
// for step, so the exhaustive search may store them as one.

/// Per instruction of the engine's programs, the registers live before
/// it: some path from it reads the register before any instruction writes
/// it. A set is a byte, bit `r` for register `r` (`TaskState.registerCount`
/// is 8).
///
/// The analysis is the textbook backward one over each program's control
/// flow: live before an instruction = what it reads, and what is live after
/// it that it does not always write (`Op.kills`). What an operation reads
/// is every register it names (`Op.registers`) but those it only writes,
/// so an operation that names a register it might read stays safe. After
/// a jump comes its target, after a branch both ways, after `exit` and
/// after the last instruction nothing. A task inside a multi-step frame
/// rests on the frame's instruction, whose live set covers every step of
/// it. Checkers and footprints read only registers that the instruction a
/// task rests on names, which are live there.
///
/// A class, shared and never changed: a search asks it for every task of
/// every state it keys, and a reference costs one retain where a copy of
/// the engine that holds it would cost one per array.
public final class LiveRegisters: Sendable {
    /// Parallel to `Engine.ops`.
    let before: [UInt8]
    /// Where each program starts in `before`, and its length (`Engine.base`, `Engine.length`).
    let base: [Int]
    let length: [Int]

    /// `ops[base[p] ..< base[p] + length[p]]` is program `p`; ranges that
    /// programs share are worked out once.
    init(ops: [Op], base: [Int], length: [Int]) {
        var before = Array(repeating: UInt8(0), count: ops.count)
        var done = Set<Int>()
        for p in base.indices {
            let first = base[p], n = length[p]
            guard n > 0, done.insert(first).inserted else { continue }
            let reads = (0..<n).map { Self.mask(Self.reads(of: ops[first + $0])) }
            let kills = (0..<n).map { Self.mask(ops[first + $0].kills) }
            let next = (0..<n).map { Self.successors(of: ops[first + $0], at: $0) }
            // Backward passes until nothing changes: a set only grows, and
            // each of the n sets has 8 bits, so at most 8n + 1 passes.
            var changed = true
            while changed {
                changed = false
                for pc in stride(from: n - 1, through: 0, by: -1) {
                    var after: UInt8 = 0
                    for s in next[pc] where s < n { after |= before[first + s] }
                    let live = reads[pc] | (after & ~kills[pc])
                    if live != before[first + pc] {
                        before[first + pc] = live
                        changed = true
                    }
                }
            }
        }
        self.before = before
        self.base = base
        self.length = length
    }

    /// The registers task `s` may still read, bit `r` for register `r`:
    /// none once it has finished; every one at a program or pc it cannot be at.
    package func live(_ s: UnsafePointer<TaskState>) -> UInt8 {
        let program = Int(s.pointee.program), pc = Int(s.pointee.pc)
        guard program >= 0 && program < length.count else { return 0xFF }
        let n = length[program]
        if pc == n || s.pointee.finished { return 0 }
        guard pc >= 0 && pc < n else { return 0xFF }
        return before[base[program] + pc]
    }

    /// Register `r` is live before instruction `pc` of program `program`.
    package func isLive(_ r: Register, program: Int, pc: Int) -> Bool {
        before[base[program] + pc] & (1 << r) != 0
    }

    /// `[out]`, the register an operation writes its result to, unless it
    /// is also `operand`, which the operation reads first.
    static func result(_ out: Register, after operand: Register) -> [Register] {
        out == operand ? [] : [out]
    }

    /// The registers `op` may read: those it names, less those it only writes.
    static func reads(of op: Op) -> [Register] {
        let kills = op.kills
        return op.registers.filter { !kills.contains($0) }
    }

    static func mask(_ registers: [Register]) -> UInt8 {
        registers.reduce(0) { $0 | UInt8(1) << $1 }
    }

    /// Where control goes after the instruction at `pc` (`pc + 1` may be
    /// the program's end).
    static func successors(of op: Op, at pc: Int) -> [Int] {
        guard case .control(let c) = op else { return [pc + 1] }
        let (a, b) = c.localFlow(at: pc).next
        return [a, b].filter { $0 >= 0 }.map(Int.init)
    }
}
