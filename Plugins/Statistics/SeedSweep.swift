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

    /// The outcomes in seed order. `cancelled` is polled between seeds:
    /// once it says true the sweep stops, and the outcomes are those of the
    /// seeds run by then (in seed order, possibly with gaps between chunks).
    public func run(cancelled: @escaping @Sendable () -> Bool = { false }) -> [RunOutcome] {
        let n = seeds.count
        let setup = self.setup, maxSteps = self.maxSteps, timing = self.timing
        guard n > 0 else { return [] }
        @Sendable func runAll(_ range: Range<UInt64>) -> [RunOutcome] {
            var out: [RunOutcome] = []
            for seed in range {
                if cancelled() { break }
                out.append(setup.run(seed: seed, maxSteps: maxSteps, timing: timing))
            }
            return out
        }
        if jobs == 1 || n < 64 { return runAll(seeds) }
        // Several chunks a thread, handed out as threads come free: one
        // thread slowed by other work on the machine does not hold up the end.
        let chunks = min(jobs * 8, n)
        let lower = seeds.lowerBound
        return parallelMap(chunks, jobs: jobs) { c, _ in
            let from = lower + UInt64(n * c / chunks), to = lower + UInt64(n * (c + 1) / chunks)
            return runAll(from..<to)
        }.flatMap { $0 }
    }
}
