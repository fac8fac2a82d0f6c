// Control flow and bookkeeping: the operations that touch no shared state.
// All but `pause` and `preemptionPoint` are local: `runLocals` runs them in
// place as part of the step before them, so they are never scheduling
// points. Any new local operation belongs here, because only this domain's
// operations are run by `runLocals`.

/// A comparison a branch makes between a register and a constant.
public enum Comparison: UInt8, Hashable, Sendable {
    case equal, notEqual, less, greaterOrEqual

    @inlinable func holds(_ a: Int64, _ b: Int64) -> Bool {
        switch self {
        case .equal: a == b
        case .notEqual: a != b
        case .less: a < b
        case .greaterOrEqual: a >= b
        }
    }

    /// The C operator, for listings.
    var symbol: String {
        switch self {
        case .equal: "=="
        case .notEqual: "!="
        case .less: "<"
        case .greaterOrEqual: ">="
        }
    }
}

/// Control flow and bookkeeping (touch no shared state).
public enum ControlOp: Hashable, Sendable {
    case jump(Int32)
    case branch(Register, Comparison, Int64, to: Int32)
    case set(Register, Int64)
    case move(Register, from: Register)
    case add(Register, Int64)
    /// Bump a world counter (statistics named by the scenario).
    case count(Int32)
    /// Read a world counter: how actors tell each other "done".
    case readCounter(Int32, into: Register)
    /// Form a pointer to a frame at its current generation (`pfn_to_page`).
    /// Touches nothing: it takes no reference.
    case loadPage(Register, pfn: PFN)
    /// Do nothing for one step: think time.
    case pause
    /// Do nothing for one step, and tell the scheduler the task may be
    /// preempted here with the given chance (per mille): time off the CPU
    /// inside a window that matters (kernel-model §2.7 `preemptInWindow`).
    case preemptionPoint(permille: UInt16)
    case exit
}

extension Op {
    public static func jump(_ to: Int32) -> Op { .control(.jump(to)) }
    public static func branch(_ r: Register, _ comparison: Comparison, _ value: Int64, to: Int32) -> Op {
        .control(.branch(r, comparison, value, to: to))
    }
    public static func set(_ r: Register, _ value: Int64) -> Op { .control(.set(r, value)) }
    public static func move(_ r: Register, from: Register) -> Op { .control(.move(r, from: from)) }
    public static func add(_ r: Register, _ value: Int64) -> Op { .control(.add(r, value)) }
    /// Bump a world counter (statistics named by the scenario).
    public static func count(_ counter: Int32) -> Op { .control(.count(counter)) }
    /// Read a world counter: how actors tell each other "done".
    public static func readCounter(_ counter: Int32, into r: Register) -> Op { .control(.readCounter(counter, into: r)) }
    /// Form a pointer to a frame at its current generation. Touches nothing.
    public static func loadPage(_ r: Register, pfn: PFN) -> Op { .control(.loadPage(r, pfn: pfn)) }
    /// Do nothing for one step: think time.
    public static var pause: Op { .control(.pause) }
    /// Do nothing for one step; the scheduler may preempt the task here.
    public static func preemptionPoint(permille: UInt16) -> Op { .control(.preemptionPoint(permille: permille)) }
    public static var exit: Op { .control(.exit) }
}

extension ControlOp {
    /// Touches nothing another task can see: run in place by `runLocals`.
    var isLocal: Bool {
        switch self {
        case .jump, .branch, .set, .move, .add, .count, .readCounter, .loadPage, .exit: true
        case .pause, .preemptionPoint: false
        }
    }

    var kernelName: String {
        switch self {
        case .jump, .branch, .set, .move, .add, .count, .readCounter, .loadPage: ""
        case .exit: "return"
        case .pause: "pause"
        case .preemptionPoint(let p): "preemption point (\(p)/1000)"
        }
    }

    var listing: String {
        switch self {
        case .jump(let to): "goto \(to)"
        case .branch(let r, let cmp, let value, let to): "if (r\(r) \(cmp.symbol) \(value)) goto \(to)"
        case .set(let r, let value): "r\(r) = \(value)"
        case .move(let r, let from): "r\(r) = r\(from)"
        case .add(let r, let value): "r\(r) += \(value)"
        case .count(let c): "counter \(c) += 1"
        case .readCounter(let c, let r): "r\(r) = counter \(c)"
        case .loadPage(let r, let pfn): "r\(r) = pfn_to_page(\(pfn))"
        case .pause, .exit, .preemptionPoint: kernelName
        }
    }

    var registers: [Register] {
        switch self {
        case .jump, .count, .pause, .preemptionPoint, .exit: []
        case .branch(let r, _, _, _), .set(let r, _), .add(let r, _), .loadPage(let r, _), .readCounter(_, let r): [r]
        case .move(let a, let b): [a, b]
        }
    }

    /// Registers the operation always writes and does not read first
    /// (`LiveRegisters`): what they held before it is dead. A register
    /// written only on some outcomes is not among them.
    var kills: [Register] {
        switch self {
        case .set(let r, _), .loadPage(let r, _), .readCounter(_, let r): [r]
        case .move(let a, let from): a == from ? [] : [a]
        case .jump, .branch, .add, .count, .pause, .preemptionPoint, .exit: []
        }
    }

    var gate: Engine.Gate { .free }

    func problem(length n: Int32, behaviors: Int) -> String? {
        switch self {
        case .jump(let to), .branch(_, _, _, let to):
            to < 0 || to > n ? "jump target \(to) outside 0...\(n)" : nil
        case .set, .move, .add, .count, .readCounter, .loadPage, .pause, .preemptionPoint, .exit:
            nil
        }
    }

    /// A local operation at `pc` as partial-order reduction sees it
    /// (`LocalReach`): where control may go next (-1: nowhere), the counter
    /// it reads or bumps, and the frame it forms a pointer to.
    func localFlow(at pc: Int) -> (next: (Int32, Int32), counter: Int32?, frame: PFN?) {
        switch self {
        case .jump(let to): ((to, -1), nil, nil)
        case .branch(_, _, _, let to): ((Int32(pc + 1), to), nil, nil)
        case .exit: ((-1, -1), nil, nil)
        case .count(let k), .readCounter(let k, _): ((Int32(pc + 1), -1), k, nil)
        case .loadPage(_, let pfn): ((Int32(pc + 1), -1), nil, pfn)
        case .set, .move, .add, .pause, .preemptionPoint: ((Int32(pc + 1), -1), nil, nil)
        }
    }
}

extension Engine {
    /// The steps among the control operations: `pause` and `preemptionPoint`.
    func execute(_ op: ControlOp, _ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let event: StepEvent
        switch op {
        case .jump, .branch, .set, .move, .add, .count, .readCounter, .loadPage, .exit:
            preconditionFailure("local instructions are run by runLocals")
        case .pause:
            event = pauseStep(&w, t, hint: nil, site: site)
        case .preemptionPoint(let permille):
            event = pauseStep(&w, t, hint: permille, site: site)
        }
        try advance(&w, t)
        return event
    }

    /// `pause` (no hint) or a preemption point: nothing but the hint for
    /// the scheduler. The run loop takes it from the decoded record too.
    @inline(__always)
    func pauseStep(_ w: inout World, _ t: Int, hint permille: UInt16?, site: StepEvent.Site) -> StepEvent {
        guard let permille else { return StepEvent(task: t, site: site, .nothing) }
        w.tasks[t].preemptHint = permille
        return StepEvent(task: t, site: site, .nothing, a: Int64(permille))
    }

    /// Local operations contribute through `LocalEffects` (`localFlow`);
    /// `pause` and `preemptionPoint` touch only the task's pc and the
    /// scheduler's hint, which no step reads: both movers (`Mover`).
    func footprint(of op: ControlOp, _ t: Int, in w: World, into f: inout Footprint) {
        switch op {
        case .pause, .preemptionPoint: f.mover = .both
        case .jump, .branch, .set, .move, .add, .count, .readCounter, .loadPage, .exit: break
        }
    }

    /// The most backward jumps and branches taken in one run of local
    /// instructions before the program is judged to loop without ever
    /// taking a step. Only a backward transfer can repeat an instruction, so
    /// a straight run of any length (up to `ProgramLimits.instructions`) is
    /// fine, and a loop is still caught.
    static let localRunLimit = 10_000

    /// Run register moves, branches, jumps, counters and pointer formation
    /// in place, from `pc` on: they touch nothing another task can see
    /// (counters are observations), so they are not scheduling points. The
    /// task rests on its next visible instruction, or finishes; returns
    /// that instruction's pc (the program's length if it finished).
    ///
    /// Reads the decoded stream (DecodedProgram.swift), whose registers and
    /// jump targets `Engine.validate` checked when the engine was built.
    /// `first` and `count` are the task's program's `extent(of:)`, which
    /// both callers have just read.
    @discardableResult
    func runLocals(_ w: inout World, _ t: Int, from start: Int, first: Int, count: Int) throws(Violation) -> Int {
        var budget = Self.localRunLimit
        // The pc in a local, stored once: every store through `w.tasks[t]`
        // pays a uniqueness check. The registers are read and written in
        // place: most runs write none (a jump, a branch), and a copy of all
        // eight in and out cost more than the few writes.
        var pc = start
        func store(_ w: inout World) {
            w.tasks[t].pc = Int32(pc)
        }
        while true {
            guard pc < count else {
                store(&w)
                w.tasks[t].finished = true
                return pc
            }
            let d = instruction(first, pc)
            var next = pc + 1
            switch d.kind {
            case .jump:
                next = Int(d.target)
            case .branch(let cmp):
                if cmp.holds(w.tasks[t].registers[Int(d.register)], d.value) { next = Int(d.target) }
            case .set:
                w.tasks[t].registers[Int(d.register)] = d.value
            case .move:
                w.tasks[t].registers[Int(d.register)] = w.tasks[t].registers[Int(d.target)]
            case .add:
                w.tasks[t].registers[Int(d.register)] &+= d.value
            case .count:
                // Out of line: with the counter's write inside this loop the
                // optimizer makes `w.counters` unique before the loop, which
                // for a world without counters (the empty array's shared
                // storage is never unique) costs a call at every step.
                try bumpCounter(&w, t, d.target, pc: pc)
            case .readCounter:
                guard let i = counterIndex(w, d.target) else { store(&w); throw badCounter(w, t, d.target) }
                w.tasks[t].registers[Int(d.register)] = w.counters[i]
            case .loadPage:
                let pfn = PFN(rawValue: d.target)
                guard !pfn.isNone && pfn.index < w.pages.count else {
                    store(&w)
                    throw Violation(.badProgram, task: t, pfn: pfn, function: function(of: w, task: t), detail: "no frame \(pfn)")
                }
                // pfn_to_page is arithmetic; the generation is the model's.
                w.tasks[t].registers[Int(d.register)] = PageRef(pfn: pfn, gen: load(w, .frame(pfn), .modelOnly).gen).register
            case .exit:
                next = count
            case .pause, .preemptionPoint, .op:
                store(&w)
                return pc
            }
            if next <= pc {
                budget -= 1
                if budget < 0 {
                    store(&w)
                    throw Violation(.badProgram, task: t, function: function(of: w, task: t),
                                    detail: "more than \(Self.localRunLimit) backward jumps or branches among local instructions in a row: a loop that never takes a step")
                }
            }
            pc = next
        }
    }

    /// `count`: bump world counter `c` (task `t` at `pc`, which `runLocals`
    /// holds in a local, stored first if it throws).
    @inline(never)
    private func bumpCounter(_ w: inout World, _ t: Int, _ c: Int32, pc: Int) throws(Violation) {
        guard let i = counterIndex(w, c) else {
            w.tasks[t].pc = Int32(pc)
            throw badCounter(w, t, c)
        }
        w.counters[i] += 1
    }

    /// A counter number checked against the world's counters.
    private func counterIndex(_ w: World, _ c: Int32) -> Int? {
        c >= 0 && Int(c) < w.counters.count ? Int(c) : nil
    }

    private func badCounter(_ w: World, _ t: Int, _ c: Int32) -> Violation {
        Violation(.badProgram, task: t, function: function(of: w, task: t), detail: "counter \(c) does not exist (the world has \(w.counters.count))")
    }
}
