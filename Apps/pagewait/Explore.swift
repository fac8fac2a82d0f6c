import ArgumentParser
import Foundation
import PagewaitCore
import PagewaitPlugins

struct Explore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search a scenario's schedules for a violation; shrink what is found to a minimal replayable schedule.",
        discussion: """
            --scheduler exhaustive (the default) visits every reachable state, depth first, \
            with a visited-state store and sleep sets, and looks for cycles a fair scheduler \
            could repeat forever (NON_TERMINATION). pct and random try --budget \
            seeded runs. Every check runs on every step: Core's always-on checks and the \
            standard checkers. A violation's schedule is delta-debugged to a short one.

            The verdict is a proof only when the search was exhaustive, whole (no \
            --shard), not interrupted, not cut by --max-depth, --preemptions or --budget, \
            the scenario has tasks, and no fair cycle keeps a task from ever finishing \
            (a NON_TERMINATION violation otherwise); docs/exploration.md says more.

            Exit status: 0 when no violation is found, 1 when one is, 2 on bad usage, \
            130 when interrupted (Ctrl-C) before the search ended: the partial result is \
            printed, marked interrupted.
            """)

    enum SchedulerChoice: String, ExpressibleByArgument, CaseIterable { case exhaustive, pct, random }

    @OptionGroup var setupOptions: SetupOptions

    @Option(help: "exhaustive, pct or random.")
    var scheduler: SchedulerChoice = .exhaustive

    @Option(help: "Runs to try (pct, random), or distinct states to visit (exhaustive).")
    var budget: Int?

    @Option(help: "Exhaustive: the most steps on one path.")
    var maxDepth: Int = 5_000

    @Option(help: "Exhaustive: the most context switches away from a runnable task per path (default: unbounded).")
    var preemptions: Int?

    @Flag(help: "Exhaustive: do not prune with sleep sets.")
    var noSleepSets = false

    @Option(help: "Exhaustive: explore only part i of n of the schedule space (e.g. 0/4); the parts' results merge.")
    var shard: String?

    @Option(help: "Threads; an exhaustive run's threads share one visited-state store.")
    var jobs: Int = defaultJobs

    @Option(help: "PCT: bug depth d (d-1 priority change points).")
    var pctDepth: Int = 3

    @Option(help: "PCT: the number of steps change points are drawn from.")
    var pctLength: Int = 1000

    @Option(help: "First seed (pct, random).")
    var seed: UInt64 = 1

    @OptionGroup(title: "Scheduler timing (random)") var timingOptions: TimingOptions

    @Flag(help: "Report the schedule as found, without shrinking it.")
    var noShrink = false

    @Option(help: "Write the violating schedule's timeline as Chrome Trace Event / Perfetto JSON (opens in ui.perfetto.dev).")
    var traceOut: String?

    @Flag(help: "No progress lines on standard error.")
    var quiet = false

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    func validate() throws {
        if let budget, budget <= 0 { throw ValidationError("--budget must be positive") }
        guard maxDepth > 0 else { throw ValidationError("--max-depth must be positive") }
        if let p = preemptions, p < 0 { throw ValidationError("--preemptions must not be negative") }
        guard jobs > 0 else { throw ValidationError("--jobs must be positive") }
        guard pctDepth >= 1, pctLength >= 1 else { throw ValidationError("--pct-depth and --pct-length must be positive") }
        _ = try parsedShard()
    }

    func parsedShard() throws -> Shard {
        guard let shard else { return .whole }
        let parts = shard.split(separator: "/").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let i = parts[0], let n = parts[1], n >= 1, (0..<n).contains(i) else {
            throw ValidationError("--shard expects i/n with 0 <= i < n, got '\(shard)'")
        }
        return Shard(i, of: n)
    }

    func run() throws {
        let interrupt = Interrupt()
        try interrupt.catching { try run(interrupt: interrupt) }
    }

    /// Run with `interrupt` as the stop request (`run()` has Ctrl-C set it;
    /// tests set it directly).
    func run(interrupt: Interrupt) throws {
        let (scenario, strategy, setup) = try setupOptions.build()
        guard !setup.world.tasks.isEmpty else {
            throw ValidationError("scenario '\(scenario.name)' has no tasks: there is nothing to explore")
        }
        let progress = Progress(enabled: !quiet)
        var request = ExplorationRequest()
        request.method = switch scheduler {
        case .exhaustive: .exhaustive
        case .pct: .pct
        case .random: .random
        }
        request.budget = budget
        request.maxDepth = maxDepth
        request.preemptions = preemptions
        request.sleepSets = !noSleepSets
        request.shard = try parsedShard()
        request.jobs = jobs
        request.pctDepth = pctDepth
        request.pctLength = pctLength
        request.seed = seed
        request.timing = timingOptions.timing
        request.shrink = !noShrink
        let result = setup.explore(request, progress: { p in
            switch p {
            case .states(let n): progress.update(states: n)
            case .runs(let n): progress.update(runs: n)
            }
        }, cancelled: { interrupt.requested })
        var report = ExploreReport(scenario: scenario.name, strategy: strategy.name, scheduler: scheduler.rawValue, result: result)
        if scheduler == .exhaustive { report.shard = request.shard.description }
        try emit(format == .json ? try jsonText(report) + "\n" : report.text(replayArguments: setupOptions.replayArguments), to: output)
        if let traceOut, let schedule = result.best {
            let trace = PerfettoTrace(setup: setup, title: "pagewait explore: \(scenario.name) under \(strategy.name)").render(schedule)
            try emit(trace, to: traceOut)
        }
        if result.violation != nil { throw ExitCode(1) }
        if result.interrupted { throw ExitCode(Interrupt.exitStatus) }
    }
}

/// What `explore` prints.
struct ExploreReport: Encodable {
    var scenario: String
    var strategy: String
    var scheduler: String
    var shard: String?
    var states = 0
    var transitions = 0
    var sleptTransitions = 0
    var deepestPath = 0
    var runs: Int?
    var complete = false
    var bounds: String?
    var verdict: ExplorationVerdict
    var termination: Termination
    var violation: Violation?
    /// The I3 diagnostic that fired first, when the run went on to the hang it predicted.
    var predictor: Violation?
    var found: Schedule?
    var foundSeed: UInt64?
    var minimal: Schedule?
    var searchSeconds = 0.0
    var shrinkSeconds: Double?

    init(scenario: String, strategy: String, scheduler: String, result r: ExplorationOutcome) {
        self.scenario = scenario
        self.strategy = strategy
        self.scheduler = scheduler
        states = r.states
        transitions = r.transitions
        sleptTransitions = r.sleptTransitions
        deepestPath = r.deepestPath
        runs = r.runs
        complete = r.complete
        bounds = r.bounds
        verdict = r.verdict
        termination = r.termination
        violation = r.violation
        predictor = r.predictor
        found = r.found
        foundSeed = r.foundSeed
        minimal = r.minimal
        searchSeconds = r.searchSeconds
        shrinkSeconds = r.shrinkSeconds
    }

    enum CodingKeys: String, CodingKey {
        case scenario, strategy, scheduler, shard, states, transitions, sleptTransitions, deepestPath, runs, complete, bounds
        case verdict, proof, interrupted, kind, detail, predictor, foundLength, foundSeed, minimalSchedule, minimalLength, searchSeconds, shrinkSeconds
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(scenario, forKey: .scenario)
        try c.encode(strategy, forKey: .strategy)
        try c.encode(scheduler, forKey: .scheduler)
        try c.encodeIfPresent(shard, forKey: .shard)
        try c.encode(states, forKey: .states)
        try c.encode(transitions, forKey: .transitions)
        try c.encode(sleptTransitions, forKey: .sleptTransitions)
        try c.encode(deepestPath, forKey: .deepestPath)
        try c.encodeIfPresent(runs, forKey: .runs)
        try c.encode(complete, forKey: .complete)
        try c.encodeIfPresent(bounds, forKey: .bounds)
        try c.encode(verdict.name, forKey: .verdict)
        try c.encode(verdict.isProof, forKey: .proof)
        try c.encode(verdict == .interrupted, forKey: .interrupted)
        try c.encodeIfPresent(violation?.kind.rawValue, forKey: .kind)
        try c.encodeIfPresent(violation?.description, forKey: .detail)
        try c.encodeIfPresent(predictor?.description, forKey: .predictor)
        try c.encodeIfPresent(found?.steps.count, forKey: .foundLength)
        try c.encodeIfPresent(foundSeed, forKey: .foundSeed)
        try c.encodeIfPresent((minimal ?? found)?.description, forKey: .minimalSchedule)
        try c.encodeIfPresent((minimal ?? found)?.steps.count, forKey: .minimalLength)
        try c.encode(searchSeconds, forKey: .searchSeconds)
        try c.encodeIfPresent(shrinkSeconds, forKey: .shrinkSeconds)
    }

    /// `replayArguments`: the options beyond scenario and strategy the
    /// exploration was made with, for the replay hint.
    func text(replayArguments: String) -> String {
        var lines = ["explore \(scenario) under \(strategy) (\(scheduler)\(shard.map { ", shard \($0)" } ?? ""))"]
        if let v = violation {
            lines.append("  verdict: VIOLATION \(v)")
            if let p = predictor { lines.append("  first sign: \(p)") }
        } else {
            lines.append("  verdict: \(verdict.text(termination: termination))")
        }
        if scheduler == "exhaustive" {
            lines.append("  states \(states), transitions \(transitions) (\(sleptTransitions) pruned by sleep sets), deepest path \(deepestPath) steps, \(format(searchSeconds, 3)) s")
        } else {
            lines.append("  runs \(runs ?? 0), steps \(states), \(format(searchSeconds, 3)) s\(foundSeed.map { "; found at seed \($0)" } ?? "")")
        }
        if let found {
            let best = minimal ?? found
            lines.append("  schedule: \(found.steps.count) steps as found\(minimal.map { ", \($0.steps.count) after shrinking" } ?? "")\(shrinkSeconds.map { " (\(format($0, 3)) s)" } ?? "")")
            lines.append("  replay: pagewait replay '\(best)' --scenario \(scenario) --strategy \(strategy)\(replayArguments)")
        }
        return lines.joined(separator: "\n")
    }
}

/// Progress on standard error, at most once a second, for long searches.
final class Progress: @unchecked Sendable {
    private let enabled: Bool
    private let start = ContinuousClock.now
    private var last = ContinuousClock.now
    private let lock = NSLock()

    init(enabled: Bool) { self.enabled = enabled }

    func update(states: Int) {
        guard enabled, states & 4095 == 0 else { return }
        tick { "\(states) states, \(Int(Double(states) / max(seconds(since: self.start), 1e-9))) states/s" }
    }

    func update(runs: Int) {
        guard enabled, runs & 63 == 0 else { return }
        tick { "\(runs) runs, \(Int(Double(runs) / max(seconds(since: self.start), 1e-9))) runs/s" }
    }

    private func tick(_ message: () -> String) {
        lock.lock(); defer { lock.unlock() }
        let now = ContinuousClock.now
        guard now - last >= .seconds(1) else { return }
        last = now
        FileHandle.standardError.write(Data("  ... \(message())\n".utf8))
    }

}

extension Violation: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
