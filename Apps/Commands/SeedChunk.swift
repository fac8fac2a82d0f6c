import ArgumentParser
import Dispatch
import Foundation
import PagewaitCore
import PagewaitPlugins

/// Seeds `i/n` of a sweep: the i-th of n consecutive, near-equal slices of
/// `range` (`compare --seeds-chunk i/n`). The slices of 0..<n tile the range.
func seedChunk(_ range: Range<UInt64>, index: Int, count: Int) -> Range<UInt64> {
    let total = range.count
    let from = UInt64(total * index / count), to = UInt64(total * (index + 1) / count)
    return (range.lowerBound + from)..<(range.lowerBound + to)
}

/// One compare row's outcomes over some seeds, reduced to sums, maxima, a
/// histogram and the first failure: numbers that add up across chunks, from
/// which `summary` computes exactly what `CellSummary` computes from all
/// the outcomes at once.
struct CellTally: Codable, Equatable {
    var label: String
    var scenario: String
    var strategy: String
    var faulters: Int
    var mappings: Int
    /// The row's printed replay options (`pagewait compare`'s hints).
    var replayOptions: [String]
    var seeds = 0
    var successes = 0
    var migrateCalls: Int64 = 0
    var passes: Int64 = 0
    var pteOps: Int64 = 0
    /// Offline iterations: [value, seeds with that value], by value.
    var offlineIterations: [[Int64]] = []
    var budgetHits = 0
    var eagain: [String: Int64] = [:]
    var hangs = 0
    var deadlocks = 0
    var lostWakeups = 0
    var violations = 0
    var livelocks = 0
    var stepLimits = 0
    var maxRequeues: Int32 = 0
    var maxBypasses: Int32 = 0
    var longestWakeChunk: Int32 = 0
    var steps = 0
    var firstFailure: String?
    var firstFailureSchedule: String?
    var firstFailureSeed: UInt64?

    static let eagainCounters: [Counter] = [.eagainLockBusy, .eagainWriteback, .eagainStillMapped, .eagainExtraRef, .eagainFreezeRace]

    init(label: String, scenario: String, strategy: String, faulters: Int, mappings: Int, replayOptions: [String], outcomes: [RunOutcome]) {
        self.label = label
        self.scenario = scenario
        self.strategy = strategy
        self.faulters = faulters
        self.mappings = mappings
        self.replayOptions = replayOptions
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
            if o.violation?.kind == .hang { hangs += 1 }
            if o.violation?.kind == .deadlock { deadlocks += 1 }
            if o.violation?.kind == .lostWakeup || o.violation?.kind == .waitersUnsound { lostWakeups += 1 }
            if o.violation != nil { violations += 1 }
            if o.violation?.kind == .livelock { livelocks += 1 }
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

    /// The tally of this chunk's seeds followed by `next`'s.
    func adding(_ next: CellTally) -> CellTally {
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

    /// The row as `CellSummary` computes it from every outcome (the same
    /// arithmetic on the same integers, so the same doubles).
    var summary: CellSummary {
        var s = CellSummary(scenario: scenario, strategy: strategy, faulters: faulters, mappings: mappings, outcomes: [])
        let n = Double(max(1, seeds))
        s.seeds = seeds
        s.successRate = Double(successes) / n
        (s.successLow, s.successHigh) = wilsonInterval(successes: successes, trials: seeds)
        s.meanPasses = migrateCalls == 0 ? 0 : Double(passes) / Double(migrateCalls)
        s.meanPTEOps = Double(pteOps) / n
        let iterations = offlineIterations.flatMap { Array(repeating: $0[0], count: Int($0[1])) }
        s.offlineP50 = percentile(iterations, 0.5)
        s.offlineP99 = percentile(iterations, 0.99)
        s.budgetHitRate = Double(budgetHits) / n
        s.eagain = eagain
        s.hangs = hangs
        s.deadlocks = deadlocks
        s.lostWakeups = lostWakeups
        s.violations = violations
        s.livelocks = livelocks
        s.stepLimits = stepLimits
        s.maxRequeues = maxRequeues
        s.maxBypasses = maxBypasses
        s.longestWakeChunk = longestWakeChunk
        s.meanSteps = Double(steps) / n
        s.firstFailure = firstFailure
        s.firstFailureSchedule = firstFailureSchedule
        s.firstFailureSeed = firstFailureSeed
        return s
    }
}

/// `compare --seeds-chunk i/n --format json`: one chunk of a seed sweep,
/// with the sums `pagewait merge` adds up.
struct ChunkDocument: Codable {
    var part: PartInfo
    /// The whole sweep's seeds per row and first seed.
    var seedsPerCell: Int
    var firstSeed: UInt64
    /// This chunk's seeds.
    var chunkFirstSeed: UInt64
    var chunkSeeds: Int
    var elapsedSeconds: Double
    var cells: [CellTally]
    /// The exhaustive verdicts, run by chunk 0 only.
    var exhaustive: [ExhaustiveVerdict]
    /// For the printed commands: scenario arguments by name, explore options.
    var scenarioArguments: [String: String]
    var exploreOptions: [String]
    var interrupted: Bool?
    /// "run" for `run --seeds-chunk` (one row; merged, it prints as `run`
    /// does); nil for compare.
    var command: String?
}

/// Run each setup over `seeds` on `jobs` threads, in items of 50 seeds as
/// `Comparison` does; outcomes depend on the seed only.
func runSeedChunk(_ setups: [Setup], seeds: Range<UInt64>, maxSteps: Int, timing: SchedulerTiming, jobs: Int,
                  cancelled: @escaping @Sendable () -> Bool, progress: ProgressFile) -> [[RunOutcome]] {
    var items: [(cell: Int, seeds: Range<UInt64>)] = []
    for c in setups.indices {
        var from = seeds.lowerBound
        while from < seeds.upperBound {
            let to = min(seeds.upperBound, from + 50)
            items.append((c, from..<to))
            from = to
        }
    }
    let work = items, built = setups
    let results = Results(count: work.count)
    let doneSeeds = Results.Counter()
    DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, work.count))) { _ in
        while let i = results.claim() {
            let (c, range) = work[i]
            var outcomes: [RunOutcome] = []
            for seed in range {
                if cancelled() { break }
                outcomes.append(built[c].run(seed: seed, maxSteps: maxSteps, timing: timing))
            }
            results.store(i, outcomes)
            progress.update(doneSeeds.add(outcomes.count))
        }
    }
    var out = Array(repeating: [RunOutcome](), count: setups.count)
    for (i, item) in work.enumerated() { out[item.cell] += results.value(i) }
    return out
}

/// Work items handed out to threads, and their results in item order.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var values: [[RunOutcome]]

    init(count: Int) { values = Array(repeating: [], count: count) }

    func claim() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < values.count else { return nil }
        next += 1
        return next - 1
    }

    func store(_ i: Int, _ v: [RunOutcome]) {
        lock.lock(); defer { lock.unlock() }
        values[i] = v
    }

    func value(_ i: Int) -> [RunOutcome] { values[i] }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var total = 0
        func add(_ n: Int) -> Int {
            lock.lock(); defer { lock.unlock() }
            total += n
            return total
        }
    }
}
