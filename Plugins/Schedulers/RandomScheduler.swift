import PagewaitCore

/// Picks uniformly among the runnable tasks with a seeded SplitMix64: the
/// same seed gives the same schedule.
///
/// Two kinds of time off the CPU make it more than a coin toss:
/// - a task woken from io_schedule is runnable but not yet running: it waits
///   for a CPU (kernel-model §1.6, "the scheduler decides when it next
///   runs"). With `wakeLatency` L > 0 it becomes eligible only after a delay
///   drawn uniformly from 0...2L steps (mean L). This is what lets a woken
///   legacy faulter keep its page reference across migration passes
///   (kernel-model F1 step 5).
/// - at a preemption point (`Op.preemptionPoint`) a task is preempted with
///   the chance the point names, for 0...2P steps (mean `preemptLength` P).
///
/// A delayed task still runs when nothing else can: time passes.
public struct RandomScheduler: Scheduler {
    @usableFromInline var rng: SplitMix64
    /// The generator's next value, drawn one draw ahead. A pick is on the
    /// path of everything the step after it does (which task, then its
    /// state), and the generator's mixing is a chain of multiplications:
    /// drawn ahead, it runs during the step before. Every draw takes this
    /// value and draws the next, so the values come in the same order.
    @usableFromInline var ahead: UInt64
    public let wakeLatency: Int
    public let preemptLength: Int
    /// Per task: when it may run again and how its preemption hint was
    /// decided. Read only for the few tasks something happened to.
    private var timing: [TaskTiming] = []
    /// Tasks asleep in io_schedule at the last pick, and tasks off the CPU
    /// (`readyAt` after the step being picked), as sets: a pick compares
    /// sets instead of visiting every task (it runs at every step).
    private var wasBlocked = TaskSet()
    private var delayed = TaskSet()
    private var lastStep = 0

    private struct TaskTiming {
        /// The step before which the task is off the CPU.
        var readyAt = 0
        /// Times the task was picked, and the pick count at which its
        /// current preemption hint was decided: a hint is decided once.
        var picks = 0
        var hintDecided = -1
    }

    public init(seed: UInt64, wakeLatency: Int = 0, preemptLength: Int = RandomScheduler.defaultPreemptLength) {
        rng = SplitMix64(seed: seed)
        ahead = rng.next()
        self.wakeLatency = max(0, wakeLatency)
        self.preemptLength = max(0, preemptLength)
    }

    /// Inlined into the run loop: with neither wake latency nor preemption
    /// (`pagewait bench`, exploration's random walks) a pick is one draw,
    /// and a call would cost more than the draw (a copy of the `World` for
    /// the argument, the saved registers).
    @inlinable @inline(__always)
    public mutating func pick(runnable: TaskSet, world: World, step: Int) -> Int? {
        if wakeLatency == 0 && preemptLength == 0 {
            // No time off the CPU: the timing table is never read, so a pick
            // is one draw (the same draw as `pickWithTiming`'s last).
            return runnable.nth(runnable.count == 1 ? 0 : below(runnable.count))
        }
        // Only the tasks: a `World` argument is copied (76 bytes) before
        // the test above, at every pick, even when this call is not made.
        return pickWithTiming(runnable: runnable, tasks: world.tasks, step: step)
    }

    /// `SplitMix64.below`, on the value drawn ahead.
    @inlinable @inline(__always)
    mutating func below(_ bound: Int) -> Int {
        let value = ahead
        ahead = rng.next()
        return SplitMix64.below(bound, of: value)
    }

    @usableFromInline @inline(never)
    mutating func pickWithTiming(runnable: TaskSet, tasks worldTasks: [TaskState], step: Int) -> Int? {
        var candidates = runnable
        let n = min(worldTasks.count, TaskSet.capacity)
        if timing.count != n {
            timing = Array(repeating: TaskTiming(), count: n)
            wasBlocked = TaskSet()
            delayed = TaskSet()
        }
        if wakeLatency > 0 || preemptLength > 0 {
            var blocked = TaskSet(), hinted = TaskSet()
            worldTasks.withUnsafeBufferPointer { tasks in
                for t in 0..<n {
                    if tasks[t].blocked { blocked.insert(t) }
                    if tasks[t].preemptHint > 0 { hinted.insert(t) }
                }
            }
            let woken = wakeLatency > 0 ? wasBlocked - blocked : TaskSet()
            wasBlocked = blocked
            // In task order, so the generator is drawn in the same order
            // whatever else happened.
            for t in woken | hinted {
                if woken.contains(t) {
                    timing[t].readyAt = step + below(2 * wakeLatency + 1)
                }
                // The hint stays until the task's next step; decide once.
                if hinted.contains(t) && timing[t].hintDecided != timing[t].picks {
                    timing[t].hintDecided = timing[t].picks
                    if below(1000) < Int(worldTasks[t].preemptHint) {
                        timing[t].readyAt = step + 1 + below(2 * preemptLength + 1)
                    }
                }
                if timing[t].readyAt > step { delayed.insert(t) }
            }
            if step < lastStep {
                // Steps went back (a scheduler reused): ask every task again.
                delayed = TaskSet(timing.indices.filter { timing[$0].readyAt > step })
            }
            for t in delayed where timing[t].readyAt <= step { delayed.remove(t) }
            lastStep = step
            let ready = candidates - delayed
            if !ready.isEmpty { candidates = ready }
        }
        let t = candidates.nth(candidates.count == 1 ? 0 : below(candidates.count))
        if t < timing.count { timing[t].picks += 1 }
        return t
    }
}

/// The seeded random scheduler as a plugin.
public struct RandomSchedulerPlugin: SchedulerPlugin {
    public init() {}
    public var name: String { "random" }
    public var summary: String { "uniform choice among runnable tasks, seeded (SplitMix64), with wake-up latency and preemption points" }
    public var reference: String { "" }
    public func make(seed: UInt64) -> any Scheduler { RandomScheduler(seed: seed, wakeLatency: RandomScheduler.defaultWakeLatency) }
}

extension RandomScheduler {
    /// Mean steps between a wake and the woken task's next step. A step is
    /// one atomic operation or lock transition, tens of nanoseconds; waking
    /// a task and getting it onto a CPU takes microseconds (an IPI, a
    /// context switch, the run-queue wait): about a hundred steps.
    public static let defaultWakeLatency = 100
    /// Mean steps a preempted task stays off the CPU: the same order as a
    /// wake-up, since the preemptor is typically a woken task of its own.
    public static let defaultPreemptLength = 100
}
