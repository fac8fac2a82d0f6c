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

            Options marked "Exhaustive:" apply only to --scheduler exhaustive, "PCT:" only \
            to pct, and the timing options only to random; any other combination is refused. \
            Steps are numbered from 0, as `pagewait replay` prints them; the replay line \
            reproduces the verdict's violation at the same step.

            The verdict is a proof only when the search was exhaustive, whole (no \
            --shard or --swarm), not interrupted, not cut by --max-depth, --preemptions or --budget, \
            the scenario has tasks, and no fair cycle keeps a task from ever finishing \
            (a NON_TERMINATION violation otherwise); docs/exploration.md says more.

            Exit status: 0 when no violation is found, 1 when one is, 2 on bad usage, \
            130 when interrupted (Ctrl-C) before the search ended: the partial result is \
            printed, marked interrupted.
            """)

    enum SchedulerChoice: String, ExpressibleByArgument, CaseIterable { case exhaustive, pct, random }

    @OptionGroup var setupOptions: SetupOptions

    @Option(name: .customLong("scheduler"), help: "exhaustive, pct or random (default exhaustive; a swarm member without it picks its own).")
    var schedulerOption: SchedulerChoice?

    /// The scheduler the search runs: the user's, else a swarm member's own
    /// (`SwarmMember`), else exhaustive.
    var scheduler: SchedulerChoice { schedulerOption ?? (try? parsedSwarm())??.scheduler ?? .exhaustive }

    @Option(help: "Distinct states to visit (exhaustive; \(Limits.exploreStates), default 5,000,000), or runs to try (pct, random; \(Limits.exploreRuns), default 10,000).")
    var budget: Int?

    @Option(help: "Exhaustive: the most steps on one path (\(Limits.maxDepth); default 5,000).")
    var maxDepth: Int?

    @Option(help: "Exhaustive: the most context switches away from a runnable task per path (\(Limits.preemptions); default: unbounded).")
    var preemptions: Int?

    @Flag(help: "Exhaustive: do not prune with sleep sets.")
    var noSleepSets = false

    @Flag(help: "Exhaustive: store every state a task's transaction passes through (lock, access, unlock), instead of only its end.")
    var noStepMerging = false

    @Flag(inversion: .prefixedNo,
          help: "Exhaustive: store a state and its twins under renaming identical tasks as one state (default: on).")
    var symmetry: Bool?

    @Flag(inversion: .prefixedNo,
          help: "Exhaustive: store states that differ only in dead variables (registers a task writes before it reads them again, a wait entry its last wait left) as one state (default: on).")
    var deadVariables: Bool?

    @Option(help: "Exhaustive: explore only part i of n of the schedule space (e.g. 0/4; n in \(Limits.shards)); the parts' results merge.")
    var shard: String?

    @Option(help: "Run member i of a swarm of n diversified searches (e.g. 1/4; n in \(ClusterLimits.parts)): its own scheduler (unless --scheduler or an option of one scheduler is given), transition order, hash seed and preemption bound, or its own seeds; never a verdict on the whole scenario; `pagewait merge` combines the members' JSON reports.")
    var swarm: String?

    @Option(name: .customLong("progress"), help: "Write this part's progress (states so far) to this file, at most once a second, for `pagewait merge --watch`.")
    var progressFile: String?

    @Option(help: "Exhaustive: threads, sharing one visited-state store (\(Limits.jobs); default \(defaultJobs)).")
    var jobs: Int?

    @Option(help: "PCT: bug depth d, d-1 priority change points (\(Limits.pctDepth); default 3).")
    var pctDepth: Int?

    @Option(help: "PCT: the number of steps change points are drawn from (\(Limits.pctLength); default 1,000).")
    var pctLength: Int?

    @Option(help: "PCT, random: the first seed; seed + budget must not pass 2^64 - 1 (default 1).")
    var seed: UInt64?

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
        // (A swarm member that picks PCT or random for itself runs its
        // default runs: --budget then counts the exhaustive members' states.)
        if let budget { try check((schedulerOption ?? .exhaustive) == .exhaustive ? Limits.exploreStates : Limits.exploreRuns, budget, "--budget") }
        if let maxDepth { try check(Limits.maxDepth, maxDepth, "--max-depth") }
        if let preemptions { try check(Limits.preemptions, preemptions, "--preemptions") }
        if let jobs { try check(Limits.jobs, jobs, "--jobs") }
        if let pctDepth { try check(Limits.pctDepth, pctDepth, "--pct-depth") }
        if let pctLength { try check(Limits.pctLength, pctLength, "--pct-length") }
        _ = try parsedShard()
        _ = try parsedSwarm()
        if shard != nil && swarm != nil { throw ValidationError("--shard and --swarm split a search in different ways; give one") }
        // Options that shape one scheduler's search mean nothing to the
        // others: refused, not ignored.
        var exhaustiveOnly: [String] = []
        if maxDepth != nil { exhaustiveOnly.append("--max-depth") }
        if preemptions != nil { exhaustiveOnly.append("--preemptions") }
        if noSleepSets { exhaustiveOnly.append("--no-sleep-sets") }
        if noStepMerging { exhaustiveOnly.append("--no-step-merging") }
        if let symmetry { exhaustiveOnly.append(symmetry ? "--symmetry" : "--no-symmetry") }
        if let deadVariables { exhaustiveOnly.append(deadVariables ? "--dead-variables" : "--no-dead-variables") }
        if shard != nil { exhaustiveOnly.append("--shard") }
        // (A swarm's --jobs is for its members that search exhaustively.)
        if jobs != nil && swarm == nil { exhaustiveOnly.append("--jobs") }
        var pctOnly: [String] = []
        if pctDepth != nil { pctOnly.append("--pct-depth") }
        if pctLength != nil { pctOnly.append("--pct-length") }
        let randomOnly = timingOptions.given
        func refuse(_ options: [String], _ applies: String) throws {
            guard let option = options.first else { return }
            throw ValidationError("\(option) applies only to \(applies), not to --scheduler \(scheduler.rawValue)")
        }
        switch scheduler {
        case .exhaustive:
            try refuse(pctOnly, "--scheduler pct")
            try refuse(randomOnly, "--scheduler random")
            if seed != nil { throw ValidationError("--seed applies only to --scheduler pct and random; an exhaustive search has no seed") }
        case .pct:
            try refuse(exhaustiveOnly, "--scheduler exhaustive")
            try refuse(randomOnly, "--scheduler random")
        case .random:
            try refuse(exhaustiveOnly, "--scheduler exhaustive")
            try refuse(pctOnly, "--scheduler pct")
        }
        if swarm != nil, seed != nil {
            throw ValidationError("--seed: a swarm member's seeds follow from its number (member i runs seeds 1 + i × runs on)")
        }
        if scheduler != .exhaustive, let seed,
           let e = Limits.firstSeedError(seed, count: budget ?? 10_000, option: "--seed", countOption: "--budget") {
            throw ValidationError(e.description)
        }
    }

    func parsedShard() throws -> Shard {
        guard let shard else { return .whole }
        let parts = shard.split(separator: "/", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let i = parts[0], let n = parts[1] else {
            throw ValidationError("--shard expects i/n with 0 <= i < n, got '\(shard)'")
        }
        try check(Limits.shards, n, "--shard: n")
        guard (0..<n).contains(i) else { throw ValidationError("--shard \(shard): i \(i) is out of range: allowed 0...\(n - 1)") }
        return Shard(i, of: n)
    }

    /// Member i of the swarm, with the bounds it runs under.
    func parsedSwarm() throws -> SwarmMember? {
        guard let swarm else { return nil }
        let (i, n) = try parsePart(swarm, option: "--swarm")
        // A member keeps to the scheduler the user's options are for.
        let exhaustiveOptions = maxDepth != nil || preemptions != nil || noSleepSets || noStepMerging || symmetry != nil
            || deadVariables != nil
        let pinned: SchedulerChoice? = schedulerOption ?? (exhaustiveOptions ? .exhaustive
            : pctDepth != nil || pctLength != nil ? .pct : !timingOptions.given.isEmpty ? .random : nil)
        return SwarmMember(i, of: n, scheduler: pinned, preemptions: preemptions, budget: budget)
    }

    /// What the parts of a split search must share, as one line.
    var configuration: String {
        var words = ["explore", setupOptions.scenario, "--strategy", setupOptions.strategy] + setupOptions.replayWords
        if let budget { words += ["--budget", "\(budget)"] }
        if let maxDepth { words += ["--max-depth", "\(maxDepth)"] }
        if let preemptions { words += ["--preemptions", "\(preemptions)"] }
        if noSleepSets { words.append("--no-sleep-sets") }
        if noStepMerging { words.append("--no-step-merging") }
        if let symmetry { words.append(symmetry ? "--symmetry" : "--no-symmetry") }
        if let deadVariables { words.append(deadVariables ? "--dead-variables" : "--no-dead-variables") }
        return words.map(shellQuoted).joined(separator: " ")
    }

    func run() throws {
        let interrupt = Interrupt()
        try interrupt.catching { try run(interrupt: interrupt) }
    }

    /// Run with `interrupt` as the stop request (`run()` has Ctrl-C set it;
    /// tests set it directly).
    func run(interrupt: Interrupt) throws {
        try checkOutputs([("--output", output), ("--trace-out", traceOut), ("--progress", progressFile)])
        let (scenario, strategy, setup) = try setupOptions.build()
        guard !setup.world.tasks.isEmpty else {
            throw ValidationError("scenario '\(scenario.name)' has no tasks: there is nothing to explore")
        }
        let progress = Progress(enabled: !quiet)
        let member = try parsedSwarm()
        let partName = member.map { "swarm \($0.description)" } ?? shard.map { "shard \($0)" } ?? "explore"
        let progressOut = ProgressFile(path: progressFile, part: partName, unit: scheduler == .exhaustive ? "states" : "runs")
        var request = ExplorationRequest()
        request.method = switch scheduler {
        case .exhaustive: .exhaustive
        case .pct: .pct
        case .random: .random
        }
        request.budget = budget
        if let maxDepth { request.maxDepth = maxDepth }
        request.preemptions = preemptions
        request.sleepSets = !noSleepSets
        request.stepMerging = !noStepMerging
        if let symmetry { request.symmetry = symmetry }
        if let deadVariables { request.deadVariables = deadVariables }
        request.shard = try parsedShard()
        if let member {
            request.swarm = member.order
            request.preemptions = member.preemptions
            request.budget = member.budget
            if let s = member.firstSeed { request.seed = s }
        }
        request.jobs = jobs ?? defaultJobs
        if let pctDepth { request.pctDepth = pctDepth }
        if let pctLength { request.pctLength = pctLength }
        if let seed { request.seed = seed }
        request.timing = timingOptions.timing
        request.shrink = !noShrink
        let result = setup.explore(request, progress: { p in
            switch p {
            case .states(let n):
                progress.update(states: n)
                if n & 4095 == 0 { progressOut.update(n) }
            case .runs(let n):
                progress.update(runs: n)
                if n & 63 == 0 { progressOut.update(n) }
            }
        }, cancelled: { interrupt.requested })
        var report = ExploreReport(scenario: scenario.name, strategy: strategy.name, scheduler: scheduler.rawValue, result: result)
        if scheduler == .exhaustive { report.shard = request.shard.description }
        // Which states a part's threads meet again first is timing, so
        // whether it met a cycle is only told for a part on one thread.
        let cyclesMet: Bool? = request.jobs == 1 ? result.cyclesMet : nil
        if let member {
            report.swarm = member
            report.part = PartInfo(kind: "swarm", index: member.index, count: member.count, configuration: configuration,
                                   scenarioArgument: setupOptions.scenario, replayOptions: setupOptions.replayWords, cyclesMet: cyclesMet)
        } else if shard != nil {
            report.part = PartInfo(kind: "shard", index: request.shard.index, count: request.shard.count, configuration: configuration,
                                   scenarioArgument: setupOptions.scenario, replayOptions: setupOptions.replayWords, cyclesMet: cyclesMet)
        }
        try progressOut.finish(result.runs ?? result.states)
        try emit(format == .json ? try jsonText(report) + "\n"
                 : report.text(scenarioArgument: setupOptions.scenario, replayOptions: setupOptions.replayWords), to: output)
        if let traceOut {
            if let schedule = result.best {
                let trace = PerfettoTrace(setup: setup, title: "pagewait explore: \(scenario.name) under \(strategy.name)").render(schedule)
                try emit(trace, to: traceOut, option: "--trace-out")
            } else {
                FileHandle.standardError.write(Data("note: no violation, so no schedule to draw: --trace-out '\(traceOut)' not written\n".utf8))
            }
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
    /// A swarm member's diversification; such a report is never a proof.
    var swarm: SwarmMember?
    /// Set for a part of a split search (`--shard`, `--swarm`), for `pagewait merge`.
    var part: PartInfo?
    var states = 0
    var transitions = 0
    var sleptTransitions = 0
    var mergedSteps = 0
    var deepestPath = 0
    /// With symmetry: tasks in groups of interchangeable ones, and visits
    /// that met a stored state in a permuted form.
    var interchangeableTasks: Int?
    var symmetryFolds: Int?
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
        mergedSteps = r.mergedSteps
        deepestPath = r.deepestPath
        interchangeableTasks = r.interchangeableTasks
        symmetryFolds = r.interchangeableTasks.map { _ in r.symmetryFolds }
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
        case scenario, strategy, scheduler, shard, swarm, part, states, transitions, sleptTransitions, mergedSteps, deepestPath, interchangeableTasks
        case symmetryFolds, runs, complete, bounds
        case verdict, proof, interrupted, kind, detail, predictor, foundLength, foundSeed, minimalSchedule, minimalLength, searchSeconds, shrinkSeconds
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(scenario, forKey: .scenario)
        try c.encode(strategy, forKey: .strategy)
        try c.encode(scheduler, forKey: .scheduler)
        try c.encodeIfPresent(shard, forKey: .shard)
        try c.encodeIfPresent(swarm, forKey: .swarm)
        try c.encodeIfPresent(part, forKey: .part)
        try c.encode(states, forKey: .states)
        try c.encode(transitions, forKey: .transitions)
        try c.encode(sleptTransitions, forKey: .sleptTransitions)
        if scheduler == "exhaustive" { try c.encode(mergedSteps, forKey: .mergedSteps) }
        try c.encode(deepestPath, forKey: .deepestPath)
        try c.encodeIfPresent(interchangeableTasks, forKey: .interchangeableTasks)
        try c.encodeIfPresent(symmetryFolds, forKey: .symmetryFolds)
        try c.encodeIfPresent(runs, forKey: .runs)
        try c.encode(complete, forKey: .complete)
        try c.encodeIfPresent(bounds, forKey: .bounds)
        try c.encode(swarm != nil && violation == nil && verdict != .interrupted ? "swarm-member" : verdict.name, forKey: .verdict)
        try c.encode(swarm == nil && verdict.isProof, forKey: .proof)
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

    /// States visited per second of the search, over all its threads.
    var statesPerSecond: Int { Int((Double(states) / max(searchSeconds, 1e-6)).rounded()) }

    /// The replay hint names the scenario as `scenarioArgument` (the name or
    /// file the user gave) and adds `replayOptions`, the options beyond
    /// scenario and strategy the exploration was made with.
    func text(scenarioArgument: String? = nil, replayOptions: [String] = []) -> String {
        var lines = ["explore \(scenario) under \(strategy) (\(scheduler)\(swarm.map { ", swarm member \($0.description)" } ?? shard.map { ", shard \($0)" } ?? ""))"]
        if let swarm { lines.append("  member: \(swarm.summary)") }
        if let v = violation {
            lines.append("  verdict: VIOLATION \(v)")
            if let p = predictor { lines.append("  first sign: \(p)") }
        } else if let swarm, verdict != .interrupted {
            lines.append("  verdict: no violation in the \(runs.map { "\($0) runs (\(states) steps)" } ?? "\(states) states") swarm member \(swarm.description) covered"
                         + " (one diversified search of a swarm, not a verdict on the whole scenario; `pagewait merge` combines the members)")
        } else {
            lines.append("  verdict: \(verdict.text(termination: termination))")
        }
        if scheduler == "exhaustive" {
            lines.append("  states \(states), transitions \(transitions) (\(sleptTransitions) pruned by sleep sets; \(mergedSteps) more steps merged into them),"
                         + " deepest path \(deepestPath) steps, \(format(searchSeconds, 3)) s, \(statesPerSecond) states/s")
            if let interchangeableTasks, let symmetryFolds, interchangeableTasks > 0 {
                lines.append("  symmetry: \(interchangeableTasks) interchangeable tasks; states met in a permuted form: \(symmetryFolds)")
            }
        } else {
            lines.append("  runs \(runs ?? 0), steps \(states), \(format(searchSeconds, 3)) s\(foundSeed.map { "; found at seed \($0)" } ?? "")")
        }
        if let found {
            let best = minimal ?? found
            lines.append("  schedule: \(found.steps.count) steps as found\(minimal.map { ", \($0.steps.count) after shrinking" } ?? "")\(shrinkSeconds.map { " (\(format($0, 3)) s)" } ?? "")")
            let replay = ReplayCommand(schedule: best.description, scenario: scenarioArgument ?? scenario, strategy: strategy, options: replayOptions)
            lines.append("  replay: \(replay.text)")
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
