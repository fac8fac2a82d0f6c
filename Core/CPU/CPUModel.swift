/// Which of the enabled tasks are on a CPU: the ones a scheduler may pick.
///
/// Two questions, kept apart. *Enabled* is the model's: the task's next step
/// can be taken (it has not finished, is not asleep in `io_schedule`, and the
/// lock its next step takes is free; `Engine.isEnabled`). *Runnable* is the
/// CPU model's: of the enabled tasks, the ones on a CPU now
/// (`Engine.runnableTasks`). Schedulers, the explorer and replay pick among
/// the runnable ones.
///
/// Today there is one model: a CPU per task, preemptible anywhere, so every
/// enabled task runs; time off the CPU is the random scheduler's (wake-up
/// latency, preemption points). A model with fewer CPUs and a preemption
/// model (`CONFIG_PREEMPT_NONE`, `_VOLUNTARY`, full), where a task spinning
/// on a trylock keeps its CPU and a work item queued there waits, is a new
/// case: it keeps which task each CPU runs in the `World` (state, so in the
/// fingerprint) and answers both functions below from it.
public enum CPUModel: Hashable, Sendable {
    /// As many CPUs as tasks, preemptible anywhere: every enabled task runs.
    case cpuPerTask

    /// The tasks of `enabled` that are on a CPU in `w` and may step now.
    @inlinable @inline(__always)
    public func runnable(_ enabled: TaskSet, in w: World) -> TaskSet {
        switch self {
        case .cpuPerTask: enabled
        }
    }

    /// Whether enabled task `t` is on a CPU in `w`.
    @inlinable @inline(__always)
    public func isOnCPU(_ t: Int, in w: World) -> Bool {
        switch self {
        case .cpuPerTask: true
        }
    }
}
