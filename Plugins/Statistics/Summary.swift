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
        self.scenario = scenario
        self.strategy = strategy
        self.faulters = faulters
        self.mappings = mappings
        seeds = outcomes.count
        let n = Double(max(1, outcomes.count))
        let successes = outcomes.filter(\.migrationSucceeded).count
        successRate = Double(successes) / n
        (successLow, successHigh) = wilsonInterval(successes: successes, trials: outcomes.count)
        let calls = outcomes.reduce(0) { $0 + $1[.migrateCalls] }
        meanPasses = calls == 0 ? 0 : Double(outcomes.reduce(0) { $0 + $1[.passes] }) / Double(calls)
        meanPTEOps = Double(outcomes.reduce(0) { $0 + $1[.pteOps] }) / n
        let iterations = outcomes.map { $0[.offlineIterations] }
        offlineP50 = percentile(iterations, 0.5)
        offlineP99 = percentile(iterations, 0.99)
        budgetHitRate = Double(outcomes.filter { $0[.offlineBudgetHit] > 0 }.count) / n
        var causes: [String: Int64] = [:]
        for c in [Counter.eagainLockBusy, .eagainWriteback, .eagainStillMapped, .eagainExtraRef, .eagainFreezeRace] {
            causes[c.name] = outcomes.reduce(0) { $0 + $1[c] }
        }
        eagain = causes
        hangs = outcomes.filter { $0.violation?.kind == .hang }.count
        deadlocks = outcomes.filter { $0.violation?.kind == .deadlock }.count
        // A broken PG_waiters invariant (I3) is the lost wakeup caught at
        // the step that causes it, before the run reaches the hang.
        lostWakeups = outcomes.filter { $0.violation?.kind == .lostWakeup || $0.violation?.kind == .waitersUnsound }.count
        violations = outcomes.filter { $0.violation != nil }.count
        livelocks = outcomes.filter { $0.violation?.kind == .livelock }.count
        stepLimits = outcomes.filter { $0.end == .stepLimit }.count
        maxRequeues = outcomes.map { $0.requeues.max() ?? 0 }.max() ?? 0
        maxBypasses = outcomes.map { $0.bypasses.max() ?? 0 }.max() ?? 0
        longestWakeChunk = outcomes.map(\.longestWakeChunk).max() ?? 0
        meanSteps = Double(outcomes.reduce(0) { $0 + $1.steps }) / n
        if let f = outcomes.first(where: { $0.violation != nil }) {
            firstFailure = f.violation?.description
            firstFailureSchedule = f.schedule?.description
            firstFailureSeed = f.seed
        }
    }
}
