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
    private var wasBlocked: [Bool] = []
    private var readyAt: [Int] = []
    /// Times each task was picked, and the pick count at which its current
    /// preemption hint was decided: a hint is decided once.
    private var picks: [Int] = []
    private var hintDecided: [Int] = []

    public init(seed: UInt64, wakeLatency: Int = 0, preemptLength: Int = RandomScheduler.defaultPreemptLength) {
        rng = SplitMix64(seed: seed)
        self.wakeLatency = max(0, wakeLatency)
        self.preemptLength = max(0, preemptLength)
    }

    public mutating func pick(enabled: TaskSet, world: World, step: Int) -> Int? {
        var candidates = enabled
        if wakeLatency > 0 || preemptLength > 0 {
            let n = min(world.tasks.count, TaskSet.capacity)
            if wasBlocked.count != n {
                wasBlocked = Array(repeating: false, count: n)
                readyAt = Array(repeating: 0, count: n)
                picks = Array(repeating: 0, count: n)
                hintDecided = Array(repeating: -1, count: n)
            }
            var delayed = TaskSet()
            for t in 0..<n {
                let blocked = world.tasks[t].blocked
                if wakeLatency > 0 && wasBlocked[t] && !blocked {
                    readyAt[t] = step + rng.below(2 * wakeLatency + 1)
                }
                wasBlocked[t] = blocked
                // The hint stays until the task's next step; decide once.
                let hint = world.tasks[t].preemptHint
                if hint > 0 && hintDecided[t] != picks[t] {
                    hintDecided[t] = picks[t]
                    if rng.below(1000) < Int(hint) {
                        readyAt[t] = step + 1 + rng.below(2 * preemptLength + 1)
                    }
                }
                if readyAt[t] > step { delayed.insert(t) }
            }
            let ready = candidates - delayed
            if !ready.isEmpty { candidates = ready }
        }
        let t = candidates.nth(candidates.count == 1 ? 0 : rng.below(candidates.count))
        if t < picks.count { picks[t] += 1 }
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
