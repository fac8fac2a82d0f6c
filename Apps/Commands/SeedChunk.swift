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

/// One compare row's outcomes over some seeds: the row's names and the
/// numbers (`OutcomeTally`) that add up across chunks, from which `summary`
/// is exactly what `CellSummary` computes from all the outcomes at once.
/// Its JSON is one flat object: the names and the tally's fields.
struct CellTally: Codable, Equatable {
    var label: String
    var scenario: String
    var strategy: String
    var faulters: Int
    var mappings: Int
    /// The row's printed replay options (`pagewait compare`'s hints).
    var replayOptions: [String]
    var counts: OutcomeTally

    init(label: String, scenario: String, strategy: String, faulters: Int, mappings: Int, replayOptions: [String], outcomes: [RunOutcome]) {
        self.label = label
        self.scenario = scenario
        self.strategy = strategy
        self.faulters = faulters
        self.mappings = mappings
        self.replayOptions = replayOptions
        counts = OutcomeTally(outcomes)
    }

    private enum CodingKeys: String, CodingKey { case label, scenario, strategy, faulters, mappings, replayOptions }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        label = try c.decode(String.self, forKey: .label)
        scenario = try c.decode(String.self, forKey: .scenario)
        strategy = try c.decode(String.self, forKey: .strategy)
        faulters = try c.decode(Int.self, forKey: .faulters)
        mappings = try c.decode(Int.self, forKey: .mappings)
        replayOptions = try c.decode([String].self, forKey: .replayOptions)
        counts = try OutcomeTally(from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(label, forKey: .label)
        try c.encode(scenario, forKey: .scenario)
        try c.encode(strategy, forKey: .strategy)
        try c.encode(faulters, forKey: .faulters)
        try c.encode(mappings, forKey: .mappings)
        try c.encode(replayOptions, forKey: .replayOptions)
        try counts.encode(to: encoder)
    }

    /// The tally of this chunk's seeds followed by `next`'s.
    func adding(_ next: CellTally) -> CellTally {
        var t = self
        t.counts = counts.adding(next.counts)
        return t
    }

    var violations: Int { counts.violations }

    var summary: CellSummary {
        CellSummary(scenario: scenario, strategy: strategy, faulters: faulters, mappings: mappings, tally: counts)
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
