import ArgumentParser
import Foundation
import PagewaitCore
import PagewaitPlugins

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the engine's raw speed: atomic steps per second on one core.",
        discussion: """
            Runs the fixed lock-mix workload (two lock_page users, a wait_on_page_locked \
            reader, a put_and_wait_on_page_locked faulter and a trylock stealer on one page) \
            under the seeded random scheduler (uniform, no wake latency), for each wait core, and prints the median \
            of --repeats timed runs. Build with -c release for meaningful numbers.
            """)

    @Option(help: "Atomic steps per timed run; \(Limits.benchSteps).")
    var steps: Int = 2_000_000

    @Option(help: "Timed runs per wait core; the median is reported; \(Limits.repeats).")
    var repeats: Int = 5

    @Option(help: "Scheduler seed (the first seed, with --scenario).")
    var seed: UInt64 = 1

    @Option(help: "Instead of lock-mix: run this scenario seed after seed under the random scheduler with its default timing, no checkers, until --steps steps.", completion: Completions.scenarios)
    var scenario: String?

    @Option(help: "With --scenario: the number of faulters (\(Limits.faulters); default 3).")
    var faulters: Int?

    @Option(help: "With --scenario: the strategy (default put-and-wait).", completion: Completions.strategies)
    var strategy: String?

    func validate() throws {
        try check(Limits.benchSteps, steps, "--steps")
        try check(Limits.repeats, repeats, "--repeats")
        if let faulters { try check(Limits.faulters, faulters, "--faulters") }
        if scenario == nil, faulters != nil || strategy != nil {
            throw ValidationError("\(faulters != nil ? "--faulters" : "--strategy") applies only with --scenario; the lock-mix workload has a fixed cast")
        }
    }

    func run() throws {
        if let scenario { return try runScenario(scenario, strategy: strategy ?? "put-and-wait", faulters: faulters ?? 3) }
        print("workload: lock-mix (5 tasks, 1 page), random scheduler, seed \(seed), \(steps) steps per run, median of \(repeats)")
        for core in [WaitCore.v4_19, .v5_9a, .v5_9(unfairness: 5)] {
            let setup = try LockMix.setup(config: KernelConfig(waitCore: core))
            var rates: [Double] = []
            var last: RunResult?
            for _ in 0..<repeats {
                var scheduler = RandomScheduler(seed: seed, wakeLatency: 0, preemptLength: 0)
                var checkers: [any Checker] = []
                let start = ContinuousClock.now
                let result = setup.engine.run(setup.world, scheduler: &scheduler, checkers: &checkers,
                                              options: RunOptions(maxSteps: steps))
                rates.append(Double(result.steps) / seconds(since: start))
                last = result
            }
            let end = last.map { $0.violation.map { "violation: \($0)" } ?? $0.end.rawValue } ?? "-"
            print("  \(core.description.padding(toLength: 22, withPad: " ", startingAt: 0)) \(Self.rateLine(rates)); run ended: \(end))")
        }
    }

    /// Seeds back to back on one scenario: short runs, so the figure
    /// includes what starting a run costs, as `run` and `compare` pay it.
    func runScenario(_ name: String, strategy: String, faulters: Int) throws {
        let registry = BuiltinPlugins.registry()
        let setup = try build(try loadScenario(name, registry: registry), try resolveStrategy(strategy, registry: registry),
                              ["faulters": Int64(faulters)])
        print("workload: \(name) under \(strategy), \(faulters) faulters, random scheduler (default timing), no checkers, seeds from \(seed) until \(steps) steps, median of \(repeats)")
        var rates: [Double] = []
        var runs = 0
        for _ in 0..<repeats {
            var total = 0
            var s = seed
            runs = 0
            let start = ContinuousClock.now
            while total < steps {
                var scheduler = RandomScheduler(seed: s, wakeLatency: RandomScheduler.defaultWakeLatency)
                var checkers: [any Checker] = []
                total += setup.engine.run(setup.world, scheduler: &scheduler, checkers: &checkers, options: RunOptions(maxSteps: 200_000)).steps
                s &+= 1
                runs += 1
            }
            rates.append(Double(total) / seconds(since: start))
        }
        print("  \(Self.rateLine(rates)); \(runs) runs of \(steps / max(1, runs)) steps on average)")
    }

    /// "median M steps/s  (min x, max y" of the timed runs' rates.
    static func rateLine(_ rates: [Double]) -> String {
        let r = rates.sorted()
        return "\(String(format: "%8.2f", r[r.count / 2] / 1e6)) M steps/s  (min \(String(format: "%.2f", r.first! / 1e6)), max \(String(format: "%.2f", r.last! / 1e6))"
    }
}
