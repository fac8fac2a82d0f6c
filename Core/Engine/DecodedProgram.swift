// The engine's programs as the hot path reads them: one small fixed-size
// record per instruction, decoded once when the engine is built.
//
// Why: an `Op` is a two-level enum (a domain, then the domain's case with
// its payload), 24 bytes. Every step used to copy the instruction's `Op`
// out of the array and match it twice, and `runLocals` did so for every
// local instruction it ran; `need(of:)` and `execute` read two more arrays
// (`gates`, `isLocal`) beside it. A `DecodedInstruction` is 16 bytes and
// says in its first byte what the step is: a local operation `runLocals`
// runs from the record's own fields, a `pause` or preemption point, or an
// operation whose domain's `execute` takes the step (the `Op` is then read
// from `Engine.ops`, as before). Its gate rides along, so the run loop's
// `need(of:)` reads one record.
//
// The programs were validated when the engine was built (`Engine.validate`:
// registers below `TaskState.registerCount`, jump targets within
// 0...length, behaviours in the table), so the decoded fields need no check
// of their own on the hot path; only the program index and the pc, which a
// caller's world holds, are checked where they are read.

/// One instruction, decoded (`Engine.decoded`, parallel to `Engine.ops`).
struct DecodedInstruction {
    /// One byte: the comparison rides in the spare values of its own.
    enum Kind: Equatable {
        // Local: run in place by `runLocals`.
        case jump, branch(Comparison), set, move, add, count, readCounter, loadPage, exit
        // Steps.
        case pause, preemptionPoint
        /// Any other operation: its domain's `execute`, on `Engine.ops`.
        case op

        var isLocal: Bool {
            switch self {
            case .jump, .branch, .set, .move, .add, .count, .readCounter, .loadPage, .exit: true
            case .pause, .preemptionPoint, .op: false
            }
        }
    }

    // Widest first, so that the record is 16 bytes (`DecodedProgramTests`).
    /// `set`'s and `add`'s constant, `branch`'s right-hand side.
    var value: Int64 = 0
    /// A jump or branch target, `move`'s source register, a counter
    /// number, a PFN, a preemption point's chance (per mille).
    var target: Int32 = 0
    var kind: Kind
    /// The register the operation writes or tests (`set`, `move`, `add`,
    /// `branch`, `readCounter`, `loadPage`).
    var register: Register = 0
    /// The lock the step must find free (`Engine.Gate`).
    var gate: Engine.Gate = .free

    var isLocal: Bool { kind.isLocal }

    init(_ op: Op) {
        gate = op.gate
        guard case .control(let c) = op else {
            kind = .op
            return
        }
        switch c {
        case .jump(let to):
            kind = .jump
            target = to
        case .branch(let r, let cmp, let v, let to):
            kind = .branch(cmp)
            register = r
            value = v
            target = to
        case .set(let r, let v):
            kind = .set
            register = r
            value = v
        case .move(let r, let from):
            kind = .move
            register = r
            target = Int32(from)
        case .add(let r, let v):
            kind = .add
            register = r
            value = v
        case .count(let c):
            kind = .count
            target = c
        case .readCounter(let c, let r):
            kind = .readCounter
            register = r
            target = c
        case .loadPage(let r, let pfn):
            kind = .loadPage
            register = r
            target = pfn.rawValue
        case .exit:
            kind = .exit
        case .pause:
            kind = .pause
        case .preemptionPoint(let permille):
            kind = .preemptionPoint
            target = Int32(permille)
        }
    }
}

extension Engine {
    /// Where program `program`'s instructions start in `decoded` and `ops`,
    /// and how many it has. The index comes from a caller's world, so it is
    /// checked here, once (a bad one traps, as the arrays' own check did);
    /// `base` has one entry per program, as `length` does.
    @inline(__always)
    func extent(of program: Int) -> (first: Int, count: Int) {
        precondition(program >= 0 && program < length.count, "no program \(program)")
        return base.withUnsafeBufferPointer { b in length.withUnsafeBufferPointer { l in (b[program], l[program]) } }
    }

    /// The decoded instruction at `pc` of the program at `first` with
    /// `count` instructions (`extent(of:)`), `pc` below `count`. Unchecked:
    /// `Engine.init` laid every program out inside `decoded`, so `first +
    /// pc` is within it; only a negative pc, which a caller's world could
    /// hold, is turned away.
    @inline(__always)
    func instruction(_ first: Int, _ pc: Int) -> DecodedInstruction {
        precondition(pc >= 0, "pc \(pc)")
        return decoded.withUnsafeBufferPointer { $0[first &+ pc] }
    }
}
