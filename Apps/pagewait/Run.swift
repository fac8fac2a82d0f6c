import ArgumentParser
import Foundation
import PagewaitCore
import PagewaitPlugins

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one scenario under one strategy over many seeds and print its statistics.",
        discussion: """
            SCENARIO is a built-in name (see `pagewait list`) or a scenario file (.toml; \
            see docs/scenarios.md). Each seed drives the seeded random scheduler; the same \
            seed gives the same run. With --seeds 1 the run's schedule is printed too, \
            ready for `pagewait replay`.
            """)

    @OptionGroup var setupOptions: SetupOptions

    @OptionGroup(title: "Seeds") var seedOptions: SeedOptions

    @OptionGroup(title: "Scheduler timing") var timingOptions: TimingOptions

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    func run() throws {
        let (scenario, strategy, setup) = try setupOptions.build()
        let start = ContinuousClock.now
        let outcomes = seedOptions.seeds == 1
            ? [setup.run(seed: seedOptions.seed, maxSteps: seedOptions.maxSteps, timing: timingOptions.timing, keepSchedule: true)]
            : SeedSweep(setup: setup, seeds: seedOptions.range, maxSteps: seedOptions.maxSteps, jobs: seedOptions.jobs, timing: timingOptions.timing).run()
        let elapsed = seconds(since: start)
        let k = setup.taskNames.filter { $0.hasPrefix("faulter") }.count
        let mappings = setup.world.ptes.count
        let summary = CellSummary(scenario: scenario.name, strategy: strategy.name, faulters: k, mappings: mappings, outcomes: outcomes)
        switch format {
        case .json:
            print(try jsonText(summary))
        case .text:
            var args = setupOptions.replayArguments
            if timingOptions.wakeLatency != RandomScheduler.defaultWakeLatency { args += " --wake-latency \(timingOptions.wakeLatency)" }
            if timingOptions.preemptLength != RandomScheduler.defaultPreemptLength { args += " --preempt-length \(timingOptions.preemptLength)" }
            print(RunReport.text(summary, setup: setup, outcomes: outcomes, elapsed: elapsed, replayArguments: args))
        }
    }
}

enum RunReport {
    /// `replayArguments`: the options beyond scenario and strategy that the
    /// run was made with (faulters, parameters, timing), for the replay hint.
    static func text(_ s: CellSummary, setup: Setup, outcomes: [RunOutcome], elapsed: Double, replayArguments: String = "") -> String {
        var lines: [String] = []
        lines.append("\(s.scenario) under \(s.strategy): \(s.seeds) seeds, \(setup.taskNames.count) tasks (\(setup.taskNames.joined(separator: ", "))), \(s.mappings) mappings; \(format(elapsed, 2)) s")
        let calls = outcomes.reduce(0) { $0 + $1[.migrateCalls] }
        if calls > 0 {
            lines.append("  migration succeeded within its passes: \(format(s.successRate * 100, 1)) % (95 % CI \(format(s.successLow * 100, 1))-\(format(s.successHigh * 100, 1)))")
            lines.append("  passes per migrate_pages call: \(format(s.meanPasses)); PTE unmap+remap ops per run: \(format(s.meanPTEOps, 1))")
            let causes = s.eagain.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            lines.append("  -EAGAIN causes: \(causes.isEmpty ? "none" : causes.joined(separator: ", "))")
        }
        if outcomes.contains(where: { $0[.offlineIterations] > 0 }) {
            lines.append("  offline iterations: p50 \(s.offlineP50), p99 \(s.offlineP99); budget hit in \(format(s.budgetHitRate * 100, 1)) % of seeds")
            if outcomes.count > 1 { lines += histogram(outcomes.map { $0[.offlineIterations] }, of: "iterations") }
        }
        if outcomes.contains(where: { $0[.reclaimFreed] + $0[.reclaimKept] > 0 }) {
            let freed = outcomes.filter { $0[.reclaimFreed] > 0 }.count
            lines.append("  reclaim freed the page in \(freed) of \(s.seeds) seeds")
        }
        if outcomes.contains(where: { $0[.lockAcquired] > 0 }) {
            lines.append("  lock fairness: most requeues by one waiter \(s.maxRequeues), most bypasses \(s.maxBypasses)")
        }
        if s.longestWakeChunk > 0 { lines.append("  longest wake-walk chunk (entries per q.lock hold): \(s.longestWakeChunk)") }
        lines.append("  hangs: \(s.hangs), lost wakeups: \(s.lostWakeups), livelocks: \(s.livelocks), other violations: \(s.violations - s.hangs - s.lostWakeups - s.livelocks), step budget exhausted: \(s.stepLimits)")
        if outcomes.count == 1, let o = outcomes.first, let sched = o.schedule {
            lines.append("  seed \(o.seed): \(o.end.rawValue) after \(o.steps) steps; schedule \(sched)")
        }
        if let f = s.firstFailure {
            lines.append("  first failure (seed \(s.firstFailureSeed ?? 0)): \(f)")
            if let seed = s.firstFailureSeed {
                lines.append("  replay: pagewait replay --seed \(seed) --scenario \(s.scenario) --strategy \(s.strategy)\(replayArguments)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// One line per value that occurred: the value, how many seeds had it,
    /// and a bar scaled to the most common value.
    static func histogram(_ values: [Int64], of unit: String) -> [String] {
        let counts = Dictionary(grouping: values) { $0 }.mapValues(\.count)
        let most = counts.values.max() ?? 1
        return counts.keys.sorted().map { v in
            let n = counts[v] ?? 0
            let bar = String(repeating: "#", count: max(1, n * 40 / most))
            return "    " + String(format: "%6lld %@: %6d seeds  ", v, unit, n) + bar
        }
    }
}
