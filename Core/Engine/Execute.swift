// One program instruction as one atomic step. The steps themselves live
// with their operations (Core/Ops/Op+*.swift); this is the frame around
// them: local instructions first, then the operation, then on to the next.

extension Engine {
    func execute(_ w: inout World, _ t: Int) throws(Violation) -> StepEvent {
        // A program's first instructions may be local; run them first. If
        // they lead to a lock that is taken, this step was only them.
        // (After a step, `advance` has already run the locals that follow.)
        let program = Int(w.tasks[t].program)
        let ranLocals = Int(w.tasks[t].pc) < length[program] && isLocal[base[program] + Int(w.tasks[t].pc)]
        if ranLocals { try runLocals(&w, t) }
        let pc = w.tasks[t].pc
        let site = StepEvent.Site.instruction(pc)
        guard Int(pc) < length[program] else {
            w.tasks[t].finished = true
            return StepEvent(task: t, site: site, .exit)
        }
        if ranLocals && !isEnabled(w, t) { return StepEvent(task: t, site: site, .nothing) }
        return try execute(ops[base[program] + Int(pc)], &w, t, site: site)
    }

    /// Move past the instruction just executed, then run the local
    /// instructions that follow it.
    func advance(_ w: inout World, _ t: Int) throws(Violation) {
        w.tasks[t].pc += 1
        let program = Int(w.tasks[t].program), pc = Int(w.tasks[t].pc)
        if pc >= length[program] {
            w.tasks[t].finished = true
        } else if isLocal[base[program] + pc] {
            try runLocals(&w, t)
        }
    }
}
