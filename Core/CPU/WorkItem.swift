// Programs over the per-CPU work items (Op+WorkQueue.swift): the kworker's
// and lru_add_drain_all()'s.

extension ProgramBuilder {
    /// `lru_add_drain_all()` (mm/swap.c): queue the drain's work item on
    /// every one of `cpus` CPUs, then `flush_work` each, in CPU order. The
    /// kernel queues only on CPUs with pages in their batches; the model's
    /// every CPU has some.
    public mutating func lruAddDrainAll(cpus: Int) {
        function("lru_add_drain_all") { b in
            for c in 0..<max(0, min(cpus, CPUTopology.maxCPUs)) { b.emit(.queueWork(cpu: UInt8(c))) }
            for c in 0..<max(0, min(cpus, CPUTopology.maxCPUs)) { b.emit(.flushWork(cpu: UInt8(c))) }
        }
    }

    /// `cond_resched()`.
    public mutating func condResched() {
        function("cond_resched") { b in b.emit(.condResched) }
    }
}

/// The kworker of one CPU (`worker_thread`, kernel/workqueue.c): a task
/// pinned to the CPU whose program is one `workerRun`, which runs the CPU's
/// work item when queued and sleeps in TASK_IDLE otherwise. Scenarios that
/// declare CPUs get one per CPU, after their actors' tasks.
public enum KWorker {
    public static func program(cpu: Int) -> Program {
        let c = UInt8(min(max(cpu, 0), CPUTopology.maxCPUs - 1))
        return Program(name: "kworker/\(cpu)", instructions: [Instruction(.workerRun(cpu: c), in: "worker_thread")])
    }
}
