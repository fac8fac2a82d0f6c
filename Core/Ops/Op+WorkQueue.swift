// Per-CPU work items (kernel/workqueue.c), as lru_add_drain_all() uses
// them (mm/swap.c): queue_work_on() queues a CPU's work item and wakes that
// CPU's kworker; the kworker, pinned to its CPU, runs it and wakes the
// flushers; flush_work() sleeps until the item has run. A CPU has one work
// item (the drain's `lru_add_drain_work`), so a queue of an item already
// pending does nothing, as queue_work_on() returns false then.
//
// The kworker is a task (`CPUTopology.worker`) whose program is one
// `workerRun`: it sleeps in TASK_IDLE until work is queued, and a run whose
// other tasks finished counts it as finished (`TaskState.isIdleWorker`).
// A flusher and an idle kworker sleep (`blocked`), so they free their CPU.

/// Per-CPU work items.
public enum WorkQueueOp: Hashable, Sendable {
    /// `queue_work_on(cpu, wq, work)`.
    case queueWork(cpu: UInt8)
    /// `flush_work(work)` of CPU `cpu`'s item.
    case flushWork(cpu: UInt8)
    /// `worker_thread()` of CPU `cpu`'s kworker: run the item if pending,
    /// then sleep until the next is queued. Never moves on.
    case workerRun(cpu: UInt8)
}

extension Op {
    /// `queue_work_on(cpu, ...)`: queue CPU `cpu`'s work item.
    public static func queueWork(cpu: UInt8) -> Op { .workQueue(.queueWork(cpu: cpu)) }
    /// `flush_work()`: sleep until CPU `cpu`'s work item has run.
    public static func flushWork(cpu: UInt8) -> Op { .workQueue(.flushWork(cpu: cpu)) }
    /// The kworker of CPU `cpu`: a program of this one operation.
    public static func workerRun(cpu: UInt8) -> Op { .workQueue(.workerRun(cpu: cpu)) }
}

extension WorkQueueOp {
    var kernelName: String {
        switch self {
        case .queueWork(let c): "queue_work_on(\(c))"
        case .flushWork(let c): "flush_work(cpu \(c))"
        case .workerRun(let c): "worker_thread(cpu \(c))"
        }
    }

    var listing: String {
        switch self {
        case .queueWork(let c): "queue_work_on(\(c), mm_percpu_wq, &per_cpu(lru_add_drain_work, \(c)))"
        case .flushWork(let c): "flush_work(&per_cpu(lru_add_drain_work, \(c)))"
        case .workerRun(let c): "worker_thread(kworker/\(c))"
        }
    }

    var registers: [Register] { [] }

    /// Writes no register.
    var kills: [Register] { [] }

    var gate: Engine.Gate { .free }

    var cpu: Int {
        switch self {
        case .queueWork(let c), .flushWork(let c), .workerRun(let c): Int(c)
        }
    }

    func problem(length: Int32, behaviors: Int) -> String? {
        cpu < CPUTopology.maxCPUs ? nil : "CPU \(cpu) is out of range: allowed 0...\(CPUTopology.maxCPUs - 1)"
    }
}

extension TaskState {
    /// An idle kworker: asleep in TASK_IDLE, waiting for work. Nothing is
    /// left for it to do, so a run treats it as finished (`World.allFinished`).
    @inlinable public var isIdleWorker: Bool { blocked && state == .idle }
}

extension Engine {
    func execute(_ op: WorkQueueOp, _ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let c = op.cpu
        guard let topology = config.cpus.topology, c < topology.count else {
            throw Violation(.badProgram, task: t, function: function(of: w, task: t),
                            detail: "\(op.kernelName): the scenario has no CPU \(c) (CPUs: \(config.cpus.topology?.count ?? 0))")
        }
        let worker = topology.worker[c]
        let bit: UInt64 = 1 << UInt64(c)
        switch op {
        case .queueWork:
            guard worker.index >= 0 && worker.index < w.tasks.count else {
                throw Violation(.badProgram, task: t, function: function(of: w, task: t),
                                detail: "queue_work_on(\(c)): CPU \(c) has no kworker to run the work")
            }
            let already = w.cpu.pending & bit != 0
            w.cpu.pending |= bit
            // insert_work -> wake_up_worker: the pool's idle worker.
            if w.tasks[worker.index].isIdleWorker {
                unblock(&w, worker.index)
                w.tasks[worker.index].state = .running
            }
            let event = StepEvent(task: t, site: site, .work, a: Int64(c), b: already ? 1 : 0)
            try advance(&w, t)
            return event
        case .flushWork:
            guard worker.index >= 0 && worker.index < w.tasks.count else {
                throw Violation(.badProgram, task: t, function: function(of: w, task: t),
                                detail: "flush_work(cpu \(c)): CPU \(c) has no kworker to run the work")
            }
            if w.cpu.pending & bit != 0 {
                // wait_for_completion of the barrier: sleep; the kworker's
                // run wakes the task, which then tests again.
                w.tasks[t].state = .uninterruptible
                w.tasks[t].blocked = true
                // The sleep is no page wait: the entry a past wait left is
                // dead (`TaskState.waitEntryIsDead`) and must stay so for a
                // sleeper, which every reader of entries looks at.
                w.tasks[t].entry = WaitEntry()
                return StepEvent(task: t, site: site, .work, a: Int64(c), b: 5)
            }
            w.tasks[t].state = .running
            let event = StepEvent(task: t, site: site, .work, a: Int64(c), b: 4)
            try advance(&w, t)
            return event
        case .workerRun:
            let ran = w.cpu.pending & bit != 0
            if ran {
                w.cpu.pending &= ~bit
                // The flushers' completion.
                for u in flushers(of: c, in: w) {
                    unblock(&w, u)
                    w.tasks[u].state = .running
                }
            }
            // Nothing left on the list: sleep in TASK_IDLE (worker_thread).
            w.tasks[t].state = .idle
            w.tasks[t].blocked = true
            w.tasks[t].entry = WaitEntry()
            return StepEvent(task: t, site: site, .work, a: Int64(c), b: ran ? 2 : 3)
        }
    }

    /// The tasks asleep in `flush_work` of CPU `c`'s item.
    func flushers(of c: Int, in w: World) -> [Int] {
        var out: [Int] = []
        for u in w.tasks.indices where w.tasks[u].blocked && flushCPU(of: w.tasks[u]) == c { out.append(u) }
        return out
    }

    /// The CPU whose work item `task`'s next instruction flushes, if it is a
    /// `flush_work`.
    func flushCPU(of task: TaskState) -> Int? {
        guard task.frame.kind == .none else { return nil }
        let (first, count) = extent(of: Int(task.program))
        let pc = Int(task.pc)
        guard pc < count, case .workQueue(.flushWork(let c)) = ops[first + pc] else { return nil }
        return Int(c)
    }

    /// The CPU whose work item task `t` of `w` sleeps in `flush_work` for,
    /// if it does (liveness reports name it).
    public func flushingCPU(of w: World, task t: Int) -> Int? {
        guard w.tasks.indices.contains(t), w.tasks[t].blocked else { return nil }
        return flushCPU(of: w.tasks[t])
    }

    /// A CPU's work item is touched only by steps whose footprint holds its
    /// kworker: the queue (which may wake it), the flush (which reads it),
    /// the kworker's run (which also wakes the flushers asleep now; one
    /// about to flush holds the kworker in its own footprint).
    func footprint(of op: WorkQueueOp, _ t: Int, in w: World, into f: inout Footprint) {
        let c = op.cpu
        guard let topology = config.cpus.topology, c < topology.count else { return }
        let worker = topology.worker[c].index
        if worker >= 0 && worker < TaskSet.capacity { f.tasks.insert(worker) }
        if case .workerRun = op {
            for u in flushers(of: c, in: w) where u < TaskSet.capacity { f.tasks.insert(u) }
        }
    }
}
