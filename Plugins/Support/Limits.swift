import PagewaitCore

/// The limits themselves. Each is generous for real use and small enough
/// that nothing sized by it can exhaust memory or overflow.
public enum Limits {
    /// Seeds in one sweep (`--seeds`, `pw_run_options.seeds`).
    public static let seeds = Limit(1...1_000_000)
    /// Worker threads (`--jobs`).
    public static let jobs = Limit(1...256)
    /// Steps in one run (`--max-steps`).
    public static let maxSteps = Limit(1...1_000_000_000)
    /// The random scheduler's mean wake latency and preemption length, in steps.
    public static let timing = Limit(0...1_000_000)
}

// MARK: - Command-line options
//
// The numbers only the command line takes. Seeds, jobs, steps and the
// scheduler timing above are shared with the C ABI.
extension Limits {
    /// `--faulters` and `--mappings`: a setup holds at most 128 tasks.
    public static let faulters = Limit(0...127)
    public static let mappings = Limit(0...Int64(LockID.maxProcesses))
    /// `explore --budget` for an exhaustive search: distinct states to visit.
    public static let exploreStates = Limit(1...1_000_000_000)
    /// `explore --budget` for pct and random: runs to try.
    public static let exploreRuns = Limit(1...10_000_000)
    /// `explore --max-depth`: steps on one path. The search keeps a world
    /// per step of the path it is on.
    public static let maxDepth = Limit(1...100_000)
    /// `explore --preemptions`: context switches away from a runnable task per path.
    public static let preemptions = Limit(0...10_000)
    /// `explore --shard i/n`: the number of parts.
    public static let shards = Limit(1...1_000_000)
    /// `explore --pct-depth`: PCT's bug depth (depth − 1 change points);
    /// beyond 65,536 change points PCT finds nothing new.
    public static let pctDepth = Limit(1...65_536)
    /// `explore --pct-length`: the steps PCT's change points are drawn from.
    public static let pctLength = Limit(1...1_000_000_000)
    /// `compare --faulters`: each count in the list.
    public static let compareFaulters = Limit(0...32)
    /// `compare --faulters` and `--sweep`: values in one list.
    public static let listValues = Limit(1...64)
    /// `diff --show`: rows shown (0: all).
    public static let show = Limit(0...10_000_000)
    /// `bench --steps`: steps per timed run.
    public static let benchSteps = Limit(1...1_000_000_000)
    /// `unfair-N`: vm.page_lock_unfairness, N.
    public static let unfairness = Limit(0...10_000)
    /// WAITQUEUE_WALK_BREAK_CNT (the kernel's is 64), as the scenario
    /// parameter `walkBreakCount`: a chunk longer than a setup's tasks
    /// never breaks, so more than 128 means nothing.
    public static let walkBreakCount = Limit(0...Int64(TaskSet.capacity))
    /// Scenario parameter `waitBuckets`: the hashed wait-queue table's
    /// buckets, at most the kernel's 256 (PAGE_WAIT_TABLE_BITS = 8); fewer
    /// make distinct pages share a bucket.
    public static let waitBuckets = Limit(1...256)
    /// Scenario parameter `pages`: file pages, P and the ones lock chains
    /// lock besides it.
    public static let pages = Limit(1...Int64(Layout.maxPages))
    /// `bench --repeats`, `bench-abi --repeats`: timed runs.
    public static let repeats = Limit(1...1_000)

    /// The first of `count` consecutive seeds: the seeds run as the range
    /// first..<first + count, whose end must fit a UInt64. Nil when `first`
    /// fits; otherwise the error naming `option`, its value and its range.
    public static func firstSeedError(_ first: UInt64, count: Int, option: String, countOption: String) -> RangeError? {
        guard count >= 0 else { return nil }
        let most = UInt64.max - UInt64(count)
        guard first > most else { return nil }
        return RangeError(what: option, value: "\(first)",
                          allowed: "0...\(Limit.grouped(most)) with \(countOption) \(count) (seed + \(countOption.dropFirst(2)) must not pass \(Limit.grouped(UInt64.max)))")
    }
}

extension Limit {
    /// `grouped` for the seeds, which go past Int64.max.
    public static func grouped(_ v: UInt64) -> String {
        v <= UInt64(Int64.max) ? grouped(Int64(v)) : grouped(Int64(v / 1000)) + "," + String(String(v % 1000 + 1000).dropFirst())
    }
}

// MARK: - The C interface's own numbers

extension Limits {
    /// Numbers only a C caller gives: the fields of `pw_explore_options` and
    /// what one `pw_builder` may hold. pagewait.h states each as a
    /// `PW_MAX_*` define; the ABI tests check the two agree.
    public enum CInterface {
        /// `pw_explore_options.budget`: states (exhaustive) or runs (pct,
        /// random); 0 means the method's default.
        public static let budget = Limit(0...1_000_000_000)
        /// `pw_explore_options.max_depth`, as `--max-depth`.
        public static let maxDepth = Limits.maxDepth
        /// `pw_explore_options.preemptions`: -1 for no bound, else as `--preemptions`.
        public static let preemptions = Limit(-1...Limits.preemptions.range.upperBound)
        /// `pw_explore_options.pct_depth` and `pct_length`, as `--pct-depth` and `--pct-length`.
        public static let pctDepth = Limits.pctDepth
        public static let pctLength = Limits.pctLength
        /// Instructions one builder's program may hold, and labels it may make.
        public static let instructions = Limit(0...100_000)
    }
}
