/// Which of the enabled tasks are on a CPU: the ones a scheduler may pick.
///
/// Two questions, kept apart. *Enabled* is the model's: the task's next step
/// can be taken (it has not finished, is not asleep in `io_schedule`, and the
/// lock its next step takes is free; `Engine.isEnabled`). *Runnable* is the
/// CPU model's: of the enabled tasks, the ones on a CPU now
/// (`Engine.runnableTasks`). Schedulers, the explorer and replay pick among
/// the runnable ones.
///
/// `cpuPerTask` is the model every scenario without CPUs runs: a CPU per
/// task, preemptible anywhere, so every enabled task runs. `cpus` is a
/// scenario's declared CPUs (`CPUTopology`): each task pinned to one, and a
/// preemption model. Under `Preemption.full` every enabled task still runs
/// (arbitrary interleaving); under `none` and `voluntary` a CPU runs the
/// task it last ran until that task sleeps or finishes — a task spinning on
/// a trylock keeps it — and under `voluntary` also gives it up at a
/// `cond_resched()` point (`Op.condResched`) when another of its tasks can
/// run. Which task each CPU runs is `World.cpu` (state, so in the
/// fingerprint), kept by `Engine.afterCPUStep`.
public enum CPUModel: Hashable, Sendable {
    /// As many CPUs as tasks, preemptible anywhere: every enabled task runs.
    case cpuPerTask
    /// A scenario's CPUs, its tasks pinned to them, and a preemption model.
    case cpus(CPUTopology)

    /// Any enabled task may step at any state (`cpuPerTask`, or `full`
    /// preemption): no task's step changes whether another task is on a
    /// CPU, so footprints say all about dependence, and sleep sets and step
    /// merging stay sound. Under `none` and `voluntary` a step can take a
    /// CPU away from every other task pinned to it; the explorer then
    /// leaves both reductions off.
    @inlinable public var interleavesFreely: Bool {
        switch self {
        case .cpuPerTask: true
        case .cpus(let c): !c.tracksCurrent
        }
    }

    /// The topology, when the scenario declared CPUs.
    @inlinable public var topology: CPUTopology? {
        if case .cpus(let c) = self { return c }
        return nil
    }

    /// The tasks of `enabled` that are on a CPU in `w` and may step now.
    @inlinable @inline(__always)
    public func runnable(_ enabled: TaskSet, in w: World) -> TaskSet {
        switch self {
        case .cpuPerTask: enabled
        case .cpus(let c): c.tracksCurrent ? c.runnable(enabled, current: w.cpu) : enabled
        }
    }

    /// Whether enabled task `t` is on a CPU in `w`, given the tasks
    /// `enabled` (a task at a `cond_resched()` point under `voluntary`
    /// yields its CPU to any other enabled task pinned there).
    @inlinable
    public func isOnCPU(_ t: Int, enabled: TaskSet, in w: World) -> Bool {
        switch self {
        case .cpuPerTask: true
        case .cpus(let c): !c.tracksCurrent || c.runnable(enabled, current: w.cpu).contains(t)
        }
    }

    /// Whether enabled task `t` is on a CPU in `w` when every task were
    /// enabled: its CPU is idle, runs `t`, or runs a task at a voluntary
    /// preemption point. (`isOnCPU(_:enabled:in:)` is exact.)
    @inlinable @inline(__always)
    public func isOnCPU(_ t: Int, in w: World) -> Bool {
        switch self {
        case .cpuPerTask: true
        case .cpus(let c): !c.tracksCurrent || c.mayTake(t, current: w.cpu)
        }
    }
}

/// How a CPU's task gives it up (`CONFIG_PREEMPT_NONE`, `_VOLUNTARY`,
/// `CONFIG_PREEMPT`; kernel/Kconfig.preempt).
public enum Preemption: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Never: a task keeps its CPU until it sleeps or finishes.
    case none
    /// Only at a `cond_resched()` point (`Op.condResched`), and only when
    /// another task pinned to the CPU can run: `should_resched()` is set by
    /// that task's wake-up (`check_preempt_wakeup`) or, at the latest, by
    /// the next tick, and `__cond_resched()` then schedules
    /// (kernel/sched/core.c).
    case voluntary
    /// Anywhere: today's arbitrary interleaving.
    case full

    public var description: String {
        switch self {
        case .none: "none"
        case .voluntary: "voluntary"
        case .full: "full"
        }
    }

    /// The model named `name` (`none`, `voluntary`, `full`).
    public init?(named name: String) {
        guard let p = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = p
    }
}

/// A scenario's CPUs: how many, the preemption model, and each task's CPU.
/// Fixed for a run (part of the engine's `KernelConfig`); what changes is
/// `World.cpu`.
public struct CPUTopology: Hashable, Sendable {
    /// The most CPUs a scenario may declare: a CPU is a bit of a word in
    /// `CPUState` and in the footprints' masks.
    public static let maxCPUs = 64

    public let count: Int
    public let preemption: Preemption
    /// Task `t` runs on CPU `pin[t]` only (tasks beyond it: CPU 0).
    public let pin: [UInt8]
    /// Per CPU, the tasks pinned to it.
    public let tasksOn: [TaskSet]
    /// Per CPU, its kworker (`Engine.workerRun`), or `none`.
    public let worker: [TaskID]
    /// Which task each CPU runs is state: under `none` and `voluntary`.
    public let tracksCurrent: Bool

    /// `pin[t]` must be below `count`, `count` within 1...`maxCPUs`
    /// (callers check and refuse first: this clamps).
    public init(count: Int, preemption: Preemption, pin: [Int], worker: [Int] = []) {
        let n = min(max(count, 1), Self.maxCPUs)
        self.count = n
        self.preemption = preemption
        self.pin = pin.map { UInt8(min(max($0, 0), n - 1)) }
        var on = Array(repeating: TaskSet(), count: n)
        for (t, c) in self.pin.enumerated() where t < TaskSet.capacity { on[Int(c)].insert(t) }
        self.tasksOn = on
        var w = Array(repeating: TaskID.none, count: n)
        for (c, t) in worker.prefix(n).enumerated() { w[c] = TaskID(t) }
        self.worker = w
        self.tracksCurrent = preemption != .full
    }

    /// Task `t`'s CPU.
    @inlinable @inline(__always)
    public func cpu(of t: Int) -> Int { t < pin.count ? Int(pin[t]) : 0 }

    /// Whether `t` may take its CPU in `current`, whatever else is enabled.
    @inlinable @usableFromInline
    func mayTake(_ t: Int, current s: CPUState) -> Bool {
        let c = cpu(of: t)
        let cur = s.current(c)
        return cur.index < 0 || cur.index == t || s.yields(c)
    }

    /// The enabled tasks on a CPU: per CPU, its current task if it can step
    /// and does not yield, else every enabled task pinned there (the CPU is
    /// idle, or its task sleeps or yields at a `cond_resched()` point to
    /// the others).
    @inlinable @usableFromInline
    func runnable(_ enabled: TaskSet, current s: CPUState) -> TaskSet {
        var out = TaskSet()
        for c in 0..<count {
            let mine = tasksOn[c] & enabled
            if mine.isEmpty { continue }
            let cur = s.current(c)
            if cur.index < 0 {
                out = out | mine
            } else if s.yields(c) {
                // cond_resched(): another task can run, so should_resched()
                // is true and the current task schedules out.
                var others = mine
                others.remove(cur.index)
                out = out | (others.isEmpty ? mine : others)
            } else if mine.contains(cur.index) {
                out.insert(cur.index)
            }
            // else: the CPU's task spins (its step is not enabled): nobody runs.
        }
        return out
    }
}
