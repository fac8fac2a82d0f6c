import Dispatch
import PagewaitCore

/// Runs one setup over a range of seeds, on `jobs` threads. The result is
/// in seed order whatever the thread count: the same seeds give the same
/// outcomes.
public struct SeedSweep: Sendable {
    public var setup: Setup
    public var seeds: Range<UInt64>
    public var maxSteps: Int
    public var jobs: Int
    public var timing: SchedulerTiming

    public init(setup: Setup, seeds: Range<UInt64>, maxSteps: Int = 200_000, jobs: Int = 1, timing: SchedulerTiming = SchedulerTiming()) {
        self.setup = setup
        self.seeds = seeds
        self.maxSteps = maxSteps
        self.jobs = max(1, jobs)
        self.timing = timing
    }

    public func run() -> [RunOutcome] {
        let n = seeds.count
        guard n > 0 else { return [] }
        if jobs == 1 || n < 64 {
            return seeds.map { setup.run(seed: $0, maxSteps: maxSteps, timing: timing) }
        }
        let chunks = min(jobs, n)
        let box = ResultBox(count: chunks)
        let lower = seeds.lowerBound
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let from = lower + UInt64(n * c / chunks), to = lower + UInt64(n * (c + 1) / chunks)
            box.store(c, (from..<to).map { setup.run(seed: $0, maxSteps: maxSteps, timing: timing) })
        }
        return box.joined()
    }
}

/// Each chunk writes its own slot; the join happens after all are done.
private final class ResultBox: @unchecked Sendable {
    private var slots: [[RunOutcome]]
    private let lock = DispatchSemaphore(value: 1)

    init(count: Int) { slots = Array(repeating: [], count: count) }

    func store(_ i: Int, _ outcomes: [RunOutcome]) {
        lock.wait()
        slots[i] = outcomes
        lock.signal()
    }

    func joined() -> [RunOutcome] { slots.flatMap { $0 } }
}
