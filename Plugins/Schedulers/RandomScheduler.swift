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
    var rng: SplitMix64
    public let wakeLatency: Int
    public let preemptLength: Int
    /// Per task: one array of small structs rather than four arrays, so a
    /// pick touches one buffer (it runs at every step).
    private var timing: [TaskTiming] = []

    private struct TaskTiming {
        var wasBlocked = false
        /// The step before which the task is off the CPU.
        var readyAt = 0
        /// Times the task was picked, and the pick count at which its
        /// current preemption hint was decided: a hint is decided once.
        var picks = 0
        var hintDecided = -1
    }

    public init(seed: UInt64, wakeLatency: Int = 0, preemptLength: Int = RandomScheduler.defaultPreemptLength) {
        rng = SplitMix64(seed: seed)
        self.wakeLatency = max(0, wakeLatency)
        self.preemptLength = max(0, preemptLength)
    }

    public mutating func pick(enabled: TaskSet, world: World, step: Int) -> Int? {
        var candidates = enabled
        let n = min(world.tasks.count, TaskSet.capacity)
        if timing.count != n { timing = Array(repeating: TaskTiming(), count: n) }
        if wakeLatency > 0 || preemptLength > 0 {
            var delayed = TaskSet()
            // Runs at every step: the table is moved into a local so that its
            // buffer is known unique while the generator advances.
            var table: [TaskTiming] = []
            swap(&table, &timing)
            table.withUnsafeMutableBufferPointer { table in
                for t in 0..<n {
                    let blocked = world.tasks[t].blocked
                    if wakeLatency > 0 && table[t].wasBlocked && !blocked {
                        table[t].readyAt = step + rng.below(2 * wakeLatency + 1)
                    }
                    table[t].wasBlocked = blocked
                    // The hint stays until the task's next step; decide once.
                    let hint = world.tasks[t].preemptHint
                    if hint > 0 && table[t].hintDecided != table[t].picks {
                        table[t].hintDecided = table[t].picks
                        if rng.below(1000) < Int(hint) {
                            table[t].readyAt = step + 1 + rng.below(2 * preemptLength + 1)
                        }
                    }
                    if table[t].readyAt > step { delayed.insert(t) }
                }
            }
            swap(&table, &timing)
            let ready = candidates - delayed
            if !ready.isEmpty { candidates = ready }
        }
        let t = candidates.nth(candidates.count == 1 ? 0 : rng.below(candidates.count))
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
