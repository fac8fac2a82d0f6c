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
            ready for `pagewait replay`. The first failure's replay line reproduces it.

            Exit status: 0 when no run found a violation, 1 when any did (a hang, a lost \
            wakeup, a livelock, ...; the step budget running out is not one), 2 on bad \
            usage or input, 130 when interrupted.
            """)

    @OptionGroup var setupOptions: SetupOptions

    @OptionGroup(title: "Seeds") var seedOptions: SeedOptions

    @OptionGroup(title: "Scheduler timing") var timingOptions: TimingOptions

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(help: "Run only chunk i of n of the seeds (e.g. 0/4; n in 1...--seeds) and write its JSON part (with --format json) for `pagewait merge`, which adds the chunks up to exactly the whole run's statistics.")
    var seedsChunk: String?

    @Option(name: .customLong("progress"), help: "With --seeds-chunk: write the chunk's progress (seeds run) to this file, at most once a second, for `pagewait merge --watch`.")
    var progressFile: String?

    func validate() throws {
        if let seedsChunk {
            _ = try parsePart(seedsChunk, option: "--seeds-chunk", limit: Limit(1...Int64(max(1, seedOptions.seeds))))
            if format != .json { throw ValidationError("--seeds-chunk writes a part for `pagewait merge`: add --format json") }
        } else if progressFile != nil {
            throw ValidationError("--progress applies only with --seeds-chunk")
        }
    }

    /// What every chunk of one run must share, as one line.
    var configuration: String {
        let words = ["run", setupOptions.scenario, "--strategy", setupOptions.strategy] + setupOptions.replayWords
            + ["--seeds", "\(seedOptions.seeds)", "--seed", "\(seedOptions.seed)", "--max-steps", "\(seedOptions.maxSteps)"] + timingOptions.words
        return words.map(shellQuoted).joined(separator: " ")
    }

    func run() throws {
        try checkOutputs([("--output", output), ("--progress", progressFile)])
        if let seedsChunk { return try runChunk(try parsePart(seedsChunk, option: "--seeds-chunk", limit: Limit(1...Int64(max(1, seedOptions.seeds))))) }
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
            try emit(try jsonText(summary) + "\n", to: output)
        case .text:
            let replayed = summary.firstFailureSeed.flatMap {
                replayedFailure(setup: setup, seed: $0, maxSteps: seedOptions.maxSteps, timing: timingOptions.timing)
            }
            try emit(RunReport.text(summary, setup: setup, outcomes: outcomes, elapsed: elapsed, scenarioArgument: setupOptions.scenario,
                                    replayOptions: setupOptions.replayWords + timingOptions.words + seedOptions.replayWords, replayed: replayed), to: output)
        }
        if summary.violations > 0 { throw ExitCode(1) }
    }

    /// `--seeds-chunk`: run this chunk's seeds and write the part `pagewait
    /// merge` adds up to the whole run's row.
    func runChunk(_ chunk: (index: Int, count: Int)) throws {
        let (scenario, strategy, setup) = try setupOptions.build()
        let start = ContinuousClock.now
        let seeds = seedChunk(seedOptions.range, index: chunk.index, count: chunk.count)
        let progress = ProgressFile(path: progressFile, part: "seeds-chunk \(chunk.index)/\(chunk.count)", unit: "seeds", total: seeds.count)
        let interrupt = Interrupt()
        let outcomes = try interrupt.catching {
            runSeedChunk([setup], seeds: seeds, maxSteps: seedOptions.maxSteps, timing: timingOptions.timing, jobs: seedOptions.jobs,
                         cancelled: { interrupt.requested }, progress: progress)[0]
        }
        let tally = CellTally(label: scenario.name, scenario: scenario.name, strategy: strategy.name,
                              faulters: setup.taskNames.filter { $0.hasPrefix("faulter") }.count, mappings: setup.world.ptes.count,
                              replayOptions: setupOptions.replayWords + timingOptions.words + seedOptions.replayWords, outcomes: outcomes)
        let doc = ChunkDocument(
            part: PartInfo(kind: "seeds-chunk", index: chunk.index, count: chunk.count, configuration: configuration),
            seedsPerCell: seedOptions.seeds, firstSeed: seedOptions.seed, chunkFirstSeed: seeds.lowerBound, chunkSeeds: seeds.count,
            elapsedSeconds: seconds(since: start), cells: [tally], exhaustive: [],
            scenarioArguments: [scenario.name: setupOptions.scenario], exploreOptions: [],
            interrupted: interrupt.requested ? true : nil, command: "run")
        try emit(try jsonText(doc) + "\n", to: output)
        try progress.finish(outcomes.count)
        if interrupt.requested { throw ExitCode(Interrupt.exitStatus) }
        if tally.violations > 0 { throw ExitCode(1) }
    }
}

enum RunReport {
    /// The replay hint names the scenario as `scenarioArgument` (the name or
    /// file the user gave) and adds `replayOptions`: the options beyond
    /// scenario and strategy the run was made with (faulters, parameters,
    /// plugins, timing, step budget).
    /// `replayed`: the first failure as its replay reports it (see
    /// `replayedFailure`), shown instead of the run's own account of it.
    static func text(_ s: CellSummary, setup: Setup, outcomes: [RunOutcome], elapsed: Double,
                     scenarioArgument: String? = nil, replayOptions: [String] = [], replayed: ReplayedFailure? = nil) -> String {
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
        // Deadlocks only where there are any: the line of every other run stays as it was.
        let deadlocks = s.deadlocks > 0 ? ", deadlocks: \(s.deadlocks)" : ""
        lines.append("  hangs: \(s.hangs)\(deadlocks), lost wakeups: \(s.lostWakeups), livelocks: \(s.livelocks), other violations: \(s.violations - s.hangs - s.deadlocks - s.lostWakeups - s.livelocks), step budget exhausted: \(s.stepLimits)")
        if outcomes.count == 1, let o = outcomes.first, let sched = o.schedule {
            lines.append("  seed \(o.seed): \(o.end.rawValue) after \(o.steps) steps; schedule \(sched)")
        }
        if let f = s.firstFailure {
            lines.append("  first failure (seed \(s.firstFailureSeed ?? 0)): \(replayed.map { "\($0.violation)" } ?? f)")
            if let sign = replayed?.firstSign { lines.append("  first sign: \(sign)") }
            if let seed = s.firstFailureSeed {
                let replay = ReplayCommand(seed: seed, scenario: scenarioArgument ?? s.scenario, strategy: s.strategy, options: replayOptions)
                lines.append("  replay: \(replay.text)")
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

/// A seed's failure as `pagewait replay --seed` reports it.
struct ReplayedFailure {
    var violation: Violation
    /// The PG_waiters diagnostic, when the replay carried the schedule on
    /// to the hang it predicted.
    var firstSign: Violation?
}

/// What `pagewait replay --seed SEED` reports for this setup: a run stops
/// at the PG_waiters diagnostic, and its replay carries on to the hang
/// the diagnostic predicted, so the printed failure is the replay's.
func replayedFailure(setup: Setup, seed: UInt64, maxSteps: Int, timing: SchedulerTiming) -> ReplayedFailure? {
    guard let request = ReplayRequest.seeded(seed, setup: setup, maxSteps: maxSteps, timing: timing),
          let report = try? setup.replayReport(request, scenario: "", strategy: ""),
          let violation = report.outcome.violation else { return nil }
    return ReplayedFailure(violation: violation, firstSign: report.firstSign)
}
