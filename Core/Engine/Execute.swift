// One program instruction as one atomic step. The steps themselves live
// with their operations (Core/Ops/Op+*.swift); this is the frame around
// them: local instructions first, then the operation, then on to the next.
// The instruction is read from the decoded stream (DecodedProgram.swift);
// only an operation of a domain other than control is read as an `Op`.

extension Engine {
    func execute(_ w: inout World, _ t: Int) throws(Violation) -> StepEvent {
        // A program's first instructions may be local; run them first. If
        // they lead to a lock that is taken, this step was only them.
        // (After a step, `advance` has already run the locals that follow.)
        let (first, count) = extent(of: Int(w.tasks[t].program))
        var pc = Int(w.tasks[t].pc)
        let ranLocals = pc < count && instruction(first, pc).isLocal
        if ranLocals { pc = try runLocals(&w, t, from: pc, first: first, count: count) }
        let site = StepEvent.Site.instruction(Int32(pc))
        guard pc < count else {
            w.tasks[t].finished = true
            return StepEvent(task: t, site: site, .exit)
        }
        if ranLocals && !isEnabled(w, t) { return StepEvent(task: t, site: site, .nothing) }
        let event: StepEvent
        let d = instruction(first, pc)
        switch d.kind {
        case .pause:
            event = pauseStep(&w, t, hint: nil, site: site)
        case .preemptionPoint:
            event = pauseStep(&w, t, hint: UInt16(truncatingIfNeeded: d.target), site: site)
        default:
            // `first + pc` is within `ops` as it is within `decoded`.
            return try execute(ops.withUnsafeBufferPointer { $0[first &+ pc] }, &w, t, site: site)
        }
        try advance(&w, t)
        return event
    }

    /// Move past the instruction just executed, then run the local
    /// instructions that follow it. Inlined into each domain's `execute`,
    /// which ends with it: the call cost a fifth of it.
    @inline(__always)
    func advance(_ w: inout World, _ t: Int) throws(Violation) {
        let (first, count) = extent(of: Int(w.tasks[t].program))
        let pc = Int(w.tasks[t].pc) + 1
        if pc >= count {
            w.tasks[t].pc = Int32(pc)
            w.tasks[t].finished = true
        } else if instruction(first, pc).isLocal {
            try runLocals(&w, t, from: pc, first: first, count: count)
        } else {
            w.tasks[t].pc = Int32(pc)
        }
    }
}
