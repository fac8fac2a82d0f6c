import PagewaitCore

/// The Wilson score interval for a binomial proportion (95 % by default):
/// well-behaved at 0 and 1, unlike the normal approximation.
public func wilsonInterval(successes: Int, trials: Int, z: Double = 1.959964) -> (low: Double, high: Double) {
    guard trials > 0 else { return (0, 1) }
    let n = Double(trials), p = Double(successes) / n
    let denom = 1 + z * z / n
    let centre = (p + z * z / (2 * n)) / denom
    let half = z * ((p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()) / denom
    return (max(0, centre - half), min(1, centre + half))
}

/// The value at quantile `q` (0...1) of `values`, nearest-rank.
public func percentile(_ values: [Int64], _ q: Double) -> Int64 {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}

/// Statistics of one (scenario, strategy, parameters) cell over its seeds.
public struct CellSummary: Hashable, Sendable, Codable {
    public var scenario: String
    public var strategy: String
    public var faulters: Int
    public var mappings: Int
    public var seeds: Int
    /// Fraction of seeds where every migrate_pages call returned 0.
    public var successRate: Double
    public var successLow: Double
    public var successHigh: Double
    /// Passes per migrate_pages call.
    public var meanPasses: Double
    /// PTE unmap + remap operations per seed.
    public var meanPTEOps: Double
    public var offlineP50: Int64
    public var offlineP99: Int64
    /// Fraction of seeds where offlining hit its iteration budget.
    public var budgetHitRate: Double
    /// -EAGAIN causes summed over seeds.
    public var eagain: [String: Int64]
    /// Runs ending in HANG: a sleeper whose bit or lock stays held.
    public var hangs: Int
    /// Runs ending in DEADLOCK: a cycle of the wait-for graph.
    public var deadlocks: Int
    /// Runs ending in LOST_WAKEUP, or in WAITERS_UNSOUND (its I3 predictor).
    public var lostWakeups: Int
    public var violations: Int
    /// Runs the livelock checker ended (offline hit its budget).
    public var livelocks: Int
    public var stepLimits: Int
    /// The most requeues any waiter went through within one wait.
    public var maxRequeues: Int32
    public var maxBypasses: Int32
    public var longestWakeChunk: Int32
    public var meanSteps: Double
    /// The first failing seed's violation and schedule, for `pagewait replay`.
    public var firstFailure: String?
    public var firstFailureSchedule: String?
    public var firstFailureSeed: UInt64?

    public init(scenario: String, strategy: String, faulters: Int, mappings: Int, outcomes: [RunOutcome]) {
        self.init(scenario: scenario, strategy: strategy, faulters: faulters, mappings: mappings, tally: OutcomeTally(outcomes))
    }

    /// The statistics of the seeds `tally` counted: what a sweep computes
    /// from its outcomes, and what the chunks of a split sweep add up to.
    public init(scenario: String, strategy: String, faulters: Int, mappings: Int, tally t: OutcomeTally) {
        self.scenario = scenario
        self.strategy = strategy
        self.faulters = faulters
        self.mappings = mappings
        seeds = t.seeds
        let n = Double(max(1, t.seeds))
        successRate = Double(t.successes) / n
        (successLow, successHigh) = wilsonInterval(successes: t.successes, trials: t.seeds)
        meanPasses = t.migrateCalls == 0 ? 0 : Double(t.passes) / Double(t.migrateCalls)
        meanPTEOps = Double(t.pteOps) / n
        let iterations = t.offlineIterations.flatMap { Array(repeating: $0[0], count: Int($0[1])) }
        offlineP50 = percentile(iterations, 0.5)
        offlineP99 = percentile(iterations, 0.99)
        budgetHitRate = Double(t.budgetHits) / n
        eagain = t.eagain
        hangs = t.hangs
        deadlocks = t.deadlocks
        lostWakeups = t.lostWakeups
        violations = t.violations
        livelocks = t.livelocks
        stepLimits = t.stepLimits
        maxRequeues = t.maxRequeues
        maxBypasses = t.maxBypasses
        longestWakeChunk = t.longestWakeChunk
        meanSteps = Double(t.steps) / n
        firstFailure = t.firstFailure
        firstFailureSchedule = t.firstFailureSchedule
        firstFailureSeed = t.firstFailureSeed
    }
}

/// A cell's outcomes reduced to sums, maxima, a histogram and the first
/// failure: numbers that add up across the chunks of a split sweep
/// (`adding`), from which `CellSummary` computes its statistics.
public struct OutcomeTally: Hashable, Sendable, Codable {
    public var seeds = 0
    public var successes = 0
    public var migrateCalls: Int64 = 0
    public var passes: Int64 = 0
    public var pteOps: Int64 = 0
    /// Offline iterations: [value, seeds with that value], by value.
    public var offlineIterations: [[Int64]] = []
    public var budgetHits = 0
    public var eagain: [String: Int64] = [:]
    public var hangs = 0
    public var deadlocks = 0
    /// Runs ending in LOST_WAKEUP, or in WAITERS_UNSOUND (its I3 predictor).
    public var lostWakeups = 0
    public var violations = 0
    /// Runs the livelock checker ended (offline hit its budget, or CPUs
    /// spinners keep).
    public var livelocks = 0
    public var stepLimits = 0
    public var maxRequeues: Int32 = 0
    public var maxBypasses: Int32 = 0
    public var longestWakeChunk: Int32 = 0
    public var steps = 0
    public var firstFailure: String?
    public var firstFailureSchedule: String?
    public var firstFailureSeed: UInt64?

    static let eagainCounters: [Counter] = [.eagainLockBusy, .eagainWriteback, .eagainStillMapped, .eagainExtraRef, .eagainFreezeRace]

    public init(_ outcomes: [RunOutcome]) {
        var histogram: [Int64: Int64] = [:]
        for c in Self.eagainCounters { eagain[c.name] = 0 }
        for o in outcomes {
            seeds += 1
            if o.migrationSucceeded { successes += 1 }
            migrateCalls += o[.migrateCalls]
            passes += o[.passes]
            pteOps += o[.pteOps]
            histogram[o[.offlineIterations], default: 0] += 1
            if o[.offlineBudgetHit] > 0 { budgetHits += 1 }
            for c in Self.eagainCounters { eagain[c.name, default: 0] += o[c] }
            switch o.violation?.kind {
            case .hang?: hangs += 1
            case .deadlock?: deadlocks += 1
            // A broken PG_waiters invariant (I3) is the lost wakeup caught at
            // the step that causes it, before the run reaches the hang.
            case .lostWakeup?, .waitersUnsound?: lostWakeups += 1
            case .livelock?: livelocks += 1
            default: break
            }
            if o.violation != nil { violations += 1 }
            if o.end == .stepLimit { stepLimits += 1 }
            maxRequeues = max(maxRequeues, o.requeues.max() ?? 0)
            maxBypasses = max(maxBypasses, o.bypasses.max() ?? 0)
            longestWakeChunk = max(longestWakeChunk, o.longestWakeChunk)
            steps += o.steps
            if firstFailureSeed == nil, let v = o.violation {
                firstFailure = v.description
                firstFailureSchedule = o.schedule?.description
                firstFailureSeed = o.seed
            }
        }
        offlineIterations = histogram.keys.sorted().map { [$0, histogram[$0]!] }
    }

    /// This tally's seeds followed by `next`'s.
    public func adding(_ next: OutcomeTally) -> OutcomeTally {
        var t = self
        t.seeds += next.seeds
        t.successes += next.successes
        t.migrateCalls += next.migrateCalls
        t.passes += next.passes
        t.pteOps += next.pteOps
        var histogram = Dictionary(uniqueKeysWithValues: offlineIterations.map { ($0[0], $0[1]) })
        for pair in next.offlineIterations { histogram[pair[0], default: 0] += pair[1] }
        t.offlineIterations = histogram.keys.sorted().map { [$0, histogram[$0]!] }
        t.budgetHits += next.budgetHits
        for (k, v) in next.eagain { t.eagain[k, default: 0] += v }
        t.hangs += next.hangs
        t.deadlocks += next.deadlocks
        t.lostWakeups += next.lostWakeups
        t.violations += next.violations
        t.livelocks += next.livelocks
        t.stepLimits += next.stepLimits
        t.maxRequeues = max(maxRequeues, next.maxRequeues)
        t.maxBypasses = max(maxBypasses, next.maxBypasses)
        t.longestWakeChunk = max(longestWakeChunk, next.longestWakeChunk)
        t.steps += next.steps
        if t.firstFailureSeed == nil {
            t.firstFailure = next.firstFailure
            t.firstFailureSchedule = next.firstFailureSchedule
            t.firstFailureSeed = next.firstFailureSeed
        }
        return t
    }
}
