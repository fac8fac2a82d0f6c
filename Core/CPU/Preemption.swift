// Which task each CPU runs, kept step by step under `Preemption.none` and
// `.voluntary` (`CPUTopology.tracksCurrent`).
//
// A CPU runs the task that last stepped on it until that task sleeps
// (`blocked`: io_schedule, flush_work, an idle kworker) or finishes; then it
// is idle and any task pinned to it may take it. A task that cannot take
// its next step because a spinlock is held is spinning, and keeps its CPU.
// Whether the task rests on a `cond_resched()` point is kept beside it, so
// `CPUTopology.runnable` answers from the world alone.

extension Engine {
    /// Update `w.cpu` after task `t`'s step: its CPU runs it, unless it
    /// now sleeps or has finished. A CPU only `t` is pinned to is left
    /// untracked: nobody else could take it.
    @inline(never)
    func afterCPUStep(_ w: inout World, _ t: Int) {
        guard case .cpus(let topology) = config.cpus, topology.tracksCurrent else { return }
        let c = topology.cpu(of: t)
        guard topology.tasksOn[c].count > 1 else { return }
        if w.cpu.running.count != topology.count { w.cpu.running = Array(repeating: .none, count: topology.count) }
        let task = w.tasks[t]
        let holds = !task.finished && !task.blocked
        w.cpu.running[c] = holds ? TaskID(t) : .none
        let bit: UInt64 = 1 << UInt64(c)
        if holds && topology.preemption == .voluntary && restsOnCondResched(task) {
            w.cpu.resched |= bit
        } else {
            w.cpu.resched &= ~bit
        }
    }

    /// The task's next step is a `cond_resched()`.
    package func restsOnCondResched(_ task: TaskState) -> Bool {
        guard task.frame.kind == .none else { return false }
        let (first, count) = extent(of: Int(task.program))
        let pc = Int(task.pc)
        guard pc < count, case .sched(.condResched) = ops[first + pc] else { return false }
        return true
    }
}
