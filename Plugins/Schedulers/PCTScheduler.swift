import PagewaitCore

/// Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi,
/// Nagarakatte, "A randomized scheduler with probabilistic guarantees of
/// finding bugs", ASPLOS 2010).
///
/// Each task gets a random distinct priority above `depth`; the highest
/// runnable one always runs. At `depth - 1` change points drawn uniformly
/// from the first `length` steps, the task about to run drops to a priority
/// below every initial one. A bug of depth d in a run of n tasks and k steps
/// is found with probability at least 1/(n·k^(d-1)) per run.
///
/// Strict priorities starve everyone behind a task that spins (a reclaimer
/// retrying isolation, a faulter thinking). As in CHESS, a task about to
/// yield — its next step is `Op.pause` — drops below every other priority
/// once it has taken that step, so spinning never blocks progress.
public struct PCTScheduler: Scheduler {
    public let depth: Int
    public let length: Int
    var rng: SplitMix64
    var priorities: [Int] = []
    var changePoints: [Int] = []
    var lowest = 0
    /// The task count `priorities` was drawn for (flushes under `tso` add
    /// entries beyond it).
    var tasks = -1
    let engine: Engine?

    public init(seed: UInt64, depth: Int = 3, length: Int = 1000, engine: Engine? = nil) {
        self.depth = max(1, depth)
        self.length = max(1, length)
        self.engine = engine
        rng = SplitMix64(seed: seed)
    }

    public mutating func pick(runnable: TaskSet, world: World, step: Int) -> Int? {
        if tasks != world.tasks.count {
            let n = world.tasks.count
            tasks = n
            // A random permutation of depth ..< depth + n.
            var p = Array(depth..<(depth + n))
            for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, rng.below(i + 1)) }
            priorities = p
            changePoints = (0..<(depth - 1)).map { _ in rng.below(length) }
            lowest = 0
        }
        for t in runnable where t >= priorities.count { flushPriorities(upTo: t) }
        var best = -1
        for t in runnable where best < 0 || priorities[t] > priorities[best] { best = t }
        if let j = changePoints.firstIndex(of: step) {
            // Change point j: the running task drops below all others.
            priorities[best] = depth - 1 - j
            changePoints[j] = -1
            best = -1
            for t in runnable where best < 0 || priorities[t] > priorities[best] { best = t }
        }
        if let engine, engine.nextIsPause(world, best) {
            lowest -= 1
            priorities[best] = lowest
        }
        return best
    }

    /// Under `--memory tso` a store-buffer flush (a choice beyond the
    /// tasks) gets a random priority of its own the first time one is open,
    /// so a flush may be put off as any task may. Never drawn under sc.
    mutating func flushPriorities(upTo last: Int) {
        let n = priorities.count
        for _ in n...last { priorities.append(depth + rng.below(n + 1)) }
    }
}

/// PCT as a plugin, with depth 3 over the first 1,000 steps.
public struct PCTSchedulerPlugin: SchedulerPlugin {
    public init() {}
    public var name: String { "pct" }
    public var summary: String { "probabilistic concurrency testing: random priorities, depth-1 priority change points" }
    public var reference: String { "Burckhardt et al., ASPLOS 2010" }
    public func make(seed: UInt64) -> any Scheduler { PCTScheduler(seed: seed) }
    /// PCT that lets spinning tasks yield (it reads their next instruction).
    public func make(seed: UInt64, for setup: Setup, depth: Int = 3, length: Int = 1000) -> PCTScheduler {
        PCTScheduler(seed: seed, depth: depth, length: length, engine: setup.engine)
    }
}
